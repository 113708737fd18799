import { mkdir } from 'node:fs/promises';
import type { Logger } from 'winston';
import { NodeAgent } from '../agent/agent.js';
import { runningTransfers, transferStatusOf } from '../agent/transfer-status.js';
import type { AgentTransferOptions } from '../agent/transfers.js';
import { eventNamespace } from '../agent/events.js';
import { identityService } from '../csi/identity.js';
import { nodeService } from '../csi/node/index.js';
import { HostTargetManager } from '../mount/target-manager.js';
import { LinuxMounter } from '../mount/linux-mounter.js';
import { Provisioner } from '../provision/provisioner.js';
import { KubeApi } from '../store/kube/api.js';
import { loadKubeConfig } from '../store/kube/kubeconfig.js';
import type { ZfsTransfer } from '../store/kube/resources.js';
import { SignedCertificate } from '../agent/transfer-certificate.js';
import { CertificatesApi } from '../store/kube/certificates-api.js';
import { transferSignerName } from '../store/kube/csr.js';
import { loadTls, type TlsMaterial } from '../transfer/tls.js';
import { ZfsCli } from '../zfs/cli.js';
import { ZfsStreams } from '../zfs/stream.js';
import { localCapacity } from '../metrics/local-sources.js';
import type { Metrics } from '../metrics/registry.js';
import { driftByKind, foreignHeldTotals } from '../metrics/sources.js';
import { CapacityCache } from '../provision/capacity.js';
import { PoolHealthMonitor } from '../provision/pool-health.js';
import type { Config } from './config.js';
import { serveCsi } from './serve-csi.js';
import { createMetrics, serveMetrics, zfsOptions } from './metrics-wiring.js';
import type { Running } from './standalone.js';
import { VERSION } from './version.js';

/** How often the node pushes its reconcile queue depth and drift counts to the metrics. */
const GAUGE_REFRESH_MS = 5000;

/**
 * Node mode (DESIGN.md §2, a DaemonSet): Identity + Node over the CSI socket, and the node agent that makes
 * ZFS match this node's custom resources. The socket is served at once with Probe not ready; the agent adopts
 * in the background (retrying until the pools and the API server are there), then Probe turns ready.
 */
export async function runNode(config: Config, log: Logger): Promise<Running> {
  const metrics = await createMetrics(config, log);
  const zfs = new ZfsCli(zfsOptions(config, metrics));
  const targets = new HostTargetManager(new LinuxMounter({ prefix: config.zfsPrefix }), { publishRoots: config.publishRoots });
  await mkdir(config.mountRoot, { recursive: true, mode: 0o750 });
  const provisioner = new Provisioner({ zfs, bindsOf: (mp) => targets.bindsOf(mp), mountRoot: config.mountRoot });
  const kc = loadKubeConfig(config.kubeconfig);
  let sent: (() => readonly ZfsTransfer[]) | undefined;
  const transfers = await agentTransfers(config, zfs, { certs: () => new CertificatesApi(kc), log, metrics, sent: () => sent?.() ?? [] });
  const agent = new NodeAgent({
    ...transferOption(transfers),
    api: new KubeApi(kc),
    zfs, provisioner, log,
    node: config.nodeId,
    parents: config.parents,
    agentVersion: VERSION,
    eventNamespace: eventNamespace(process.env),
    sweepIntervalMs: config.sweepIntervalSeconds * 1000,
    recoverResources: config.recoverResources,
  });
  sent = () => agent.transfers?.outgoing.list() ?? [];
  metrics?.setSources({ capacity: localCapacity({ capacity: new CapacityCache(zfs, config.nodeId, config.parents), zfs, parents: config.parents }) });
  const http = await serveMetrics(config, metrics, () => agent.ready(), log);
  // The agent reads pool health too, but inside src/agent/; NodeGetVolumeStats needs it cached here.
  const poolHealth = new PoolHealthMonitor({ zfs, parents: config.parents, intervalMs: config.healthIntervalSeconds * 1000, log });
  // The agent's queue and drift are pushed, not pulled: they live in the agent, not in a store.
  const gauges = metrics && setInterval(() => {
    metrics.setReconcileQueueDepth(agent.queueDepth);
    metrics.setDriftObjects(driftByKind(agent.driftReport));
    metrics.setForeignHeld(foreignHeldTotals(config.nodeId, config.parents, provisioner.sweeper.held()));
  }, GAUGE_REFRESH_MS).unref();
  const server = await serveCsi(config, log, {
    Identity: identityService({ driverName: config.driverName, version: VERSION, controller: false, ready: () => agent.ready() }),
    Node: nodeService({
      nodeId: config.nodeId, volumes: agent.nodeLookup(), targets,
      health: { conditionOf: (v) => poolHealth.conditionOf(v.dataset), unavailable: (v) => poolHealth.unavailable(v.dataset) },
    }),
  }, metrics, http);
  log.info('serving CSI', { mode: 'node', socket: server.socketPath, node: config.nodeId, parents: config.parents });
  agent.start();
  poolHealth.start();
  return {
    server,
    async stop(timeoutMs) {
      await server.drain(timeoutMs);
      if (gauges) clearInterval(gauges);
      await agent.stop();
      await poolHealth.stop();
      await http?.close();
    },
  };
}

interface TransferWiring {
  readonly certs: () => CertificatesApi;
  readonly log: Logger;
  readonly metrics: Metrics | undefined;
  /** The ZfsTransfers this agent sends (bound once the agent exists). */
  readonly sent: () => readonly ZfsTransfer[];
}

const transferOption = (t: AgentTransferOptions | undefined): { transfers?: AgentTransferOptions } => (t === undefined ? {} : { transfers: t });

/**
 * The node's transfer identity (checked against --node-id now, so a copied certificate fails loudly; or
 * asked of the controller's signer), its endpoint, and the transfer metrics of what it sends (the same
 * series as standalone mode's).
 */
async function agentTransfers(config: Config, zfs: ZfsCli, w: TransferWiring): Promise<AgentTransferOptions | undefined> {
  const t = config.transfer;
  if (t?.listen === undefined) return undefined;
  let tls: TlsMaterial;
  let certificate: SignedCertificate | undefined;
  if (t.certificates.kind === 'signer') {
    certificate = new SignedCertificate({
      api: w.certs(), node: config.nodeId, signerName: t.certificates.signerName ?? transferSignerName(config.driverName), namespace: eventNamespace(process.env),
      caConfigMap: t.certificates.caConfigMap, files: t.tls, seconds: t.certificates.seconds, log: w.log,
    });
    tls = certificate;
  } else {
    tls = await loadTls(t.tls, config.nodeId);
  }
  const metrics = w.metrics;
  const observe = metrics && new (await import('../metrics/transfers.js')).TransferMetrics(metrics.registry, () => runningTransfers(w.sent())).observe;
  return {
    tls,
    ...(certificate === undefined ? {} : { certificate }),
    ...(observe === undefined ? {} : { onFinished: (x: ZfsTransfer) => observe(transferStatusOf(x)) }),
    streams: new ZfsStreams({ zfsPath: config.zfsCommand, prefix: config.zfsPrefix, parents: config.parents, capabilities: (s) => zfs.capabilities(s), mountGate: zfs.processMountGate }),
    listen: t.listen,
    ...(t.advertise === undefined ? {} : { advertise: t.advertise }),
    stallMs: t.stallSeconds * 1000,
  };
}

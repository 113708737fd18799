import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'winston';
import { eventNamespace } from '../agent/events.js';
import { controllerService } from '../csi/controller/index.js';
import { identityService } from '../csi/identity.js';
import { ControllerCaches } from '../store/kube/controller-caches.js';
import { KubeBackend } from '../store/kube/kube-backend.js';
import { loadKubeConfig } from '../store/kube/kubeconfig.js';
import { LeaderElector, type LeaderElectorOptions } from '../store/kube/leader.js';
import { coreNodeExists, NodeLossMonitor } from '../store/kube/node-loss.js';
import { ReplicationController } from '../store/kube/replication-controller.js';
import { CertificatesApi } from '../store/kube/certificates-api.js';
import { TransferSigner } from '../store/kube/transfer-signer.js';
import { backendCapacity } from '../metrics/backend-sources.js';
import { countBy } from '../metrics/sources.js';
import type { Config } from './config.js';
import { serveCsi } from './serve-csi.js';
import { createMetrics, serveMetrics } from './metrics-wiring.js';
import type { Running } from './standalone.js';
import { VERSION } from './version.js';

export interface ControllerOptions {
  /** Between node-loss checks; default 30 s (tests shorten it). */
  readonly nodeLossIntervalMs?: number;
  /** Leader election timings and identity (tests shorten them; production uses the defaults). */
  readonly leader?: Partial<Pick<LeaderElectorOptions, 'identity' | 'namespace' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>>;
  /** Between the transfer signer's lists of CSRs; default 2 s. */
  readonly signerIntervalMs?: number;
}

/** The Lease the controller replicas compete for: one per driver name (a DNS label). */
export const leaseNameOf = (driverName: string): string =>
  `${driverName.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '')}-controller`.slice(0, 63);

const defaultIdentity = (): string => process.env['POD_NAME'] ?? `${hostname()}-${randomBytes(4).toString('hex')}`;

/**
 * Controller mode (DESIGN.md §2): Identity + Controller over custom resources; it never runs `zfs`. The
 * socket is served at once with Probe not ready; the caches fill in the background (the informers retry
 * until the API server answers), then Probe turns ready.
 */
export async function runController(config: Config, log: Logger, options: ControllerOptions = {}): Promise<Running> {
  const kc = loadKubeConfig(config.kubeconfig);
  const caches = new ControllerCaches(kc, log);
  const monitor = new NodeLossMonitor({
    api: caches.api, volumes: caches.volumes, snapshots: caches.snapshots, nodes: caches.nodes,
    nodeExists: coreNodeExists(kc), log, eventNamespace: eventNamespace(process.env),
    ...(options.nodeLossIntervalMs === undefined ? {} : { intervalMs: options.nodeLossIntervalMs }),
    mayWrite: () => elector?.isLeader ?? true,
  });
  // Only the Lease holder writes (node loss marks resources Lost); every replica serves CSI (the sidecars
  // elect their own leader and call the driver in their pod).
  const elector = config.leaderElection ? new LeaderElector({
    kc, namespace: process.env['POD_NAMESPACE'] ?? 'default', name: leaseNameOf(config.driverName), identity: defaultIdentity(), log,
    ...options.leader,
    onStartedLeading: () => void monitor.check(),
    onStoppedLeading: () => undefined,
  }) : undefined;
  const backend = new KubeBackend({
    api: caches.api, volumes: caches.volumes, snapshots: caches.snapshots, nodes: caches.nodes, log,
    synced: () => caches.synced(), nodeGone: (node) => monitor.isGone(node),
  });
  // Scheduled replication (issue #8): the leader takes each round's snapshot and asks for its copy.
  const replication = new ReplicationController({
    api: caches.api, backend, log, mayWrite: () => elector?.isLeader ?? true, eventNamespace: eventNamespace(process.env),
  });
  // Transfer certificates (docs/replication.md "Certificates"): the leader signs its nodes' CSRs.
  const signer = config.signer && new TransferSigner({
    api: new CertificatesApi(kc), log, mayWrite: () => elector?.isLeader ?? true,
    policy: { signerName: config.signer.signerName, requester: config.signer.requester },
    ca: config.signer.ca && { namespace: eventNamespace(process.env), secret: config.signer.ca.secret, configMap: config.signer.ca.configMap },
    ...(options.signerIntervalMs === undefined ? {} : { intervalMs: options.signerIntervalMs }),
  });
  const metrics = await createMetrics(config, log);
  metrics?.setSources({
    inventory: async () => backend.ready().then((ok) => (ok ? {
      volumes: countBy(caches.volumes.list(), (v) => v.status?.phase ?? 'Pending'),
      snapshots: countBy(caches.snapshots.list(), (s) => s.status?.phase ?? 'Pending'),
    } : undefined)),
    capacity: backendCapacity(backend),
  });
  if (metrics) (await import('../metrics/replications.js')).replicationMetrics(metrics.registry, () => replication.replications.list());
  const http = await serveMetrics(config, metrics, () => backend.ready(), log);
  const server = await serveCsi(config, log, {
    Identity: identityService({ driverName: config.driverName, version: VERSION, controller: true, ready: () => backend.ready() }),
    Controller: controllerService({ backend, driverName: config.driverName }),
  }, metrics, http);
  log.info('serving CSI', { mode: 'controller', socket: server.socketPath });
  const started = caches.start().then(
    () => {
      elector?.start();
      monitor.start();
      signer?.start();
      return replication.start();
    },
    (err: unknown) => log.error('could not start watching custom resources', { error: err instanceof Error ? err.message : String(err) }),
  );
  return {
    server,
    async stop(timeoutMs) {
      await server.drain(timeoutMs);
      await started;
      await elector?.stop();
      await monitor.stop();
      await signer?.stop();
      await replication.stop();
      await caches.stop();
      await http?.close();
    },
  };
}

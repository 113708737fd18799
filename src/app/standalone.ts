import { mkdir } from 'node:fs/promises';
import type { Logger } from 'winston';
import { controllerService } from '../csi/controller/index.js';
import { identityService } from '../csi/identity.js';
import { nodeService } from '../csi/node/index.js';
import type { RunningServer } from '../grpc/server.js';
import { localCapacity, localInventory } from '../metrics/local-sources.js';
import { foreignHeldTotals } from '../metrics/sources.js';
import { holdText } from '../provision/foreign.js';
import { createMetrics, serveMetrics, zfsOptions } from './metrics-wiring.js';
import { HostTargetManager } from '../mount/target-manager.js';
import { LinuxMounter } from '../mount/linux-mounter.js';
import { CapacityCache } from '../provision/capacity.js';
import { LocalBackend } from '../provision/local-backend.js';
import { PoolHealthMonitor } from '../provision/pool-health.js';
import { Provisioner } from '../provision/provisioner.js';
import { localVolumeStates } from '../provision/volume-health.js';
import { MemoryStore } from '../store/memory-store.js';
import { ZfsCli } from '../zfs/cli.js';
import type { Config } from './config.js';
import { serveCsi } from './serve-csi.js';
import { StandaloneState } from './standalone-state.js';
import { startAdminSide } from './standalone-admin.js';
import { KeyedLocks } from '../grpc/locks.js';
import { VERSION } from './version.js';

export interface Running {
  readonly server: RunningServer;
  /** Drains in-flight calls (up to timeoutMs) and stops background work. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Standalone mode: Identity + Controller + Node in one process, the controller calling the provisioner
 * in-process (DESIGN.md §2). The socket is served at once with Probe not ready; state is rebuilt from the pool
 * in the background (retrying until the pool is there), then Probe turns ready.
 */
export async function runStandalone(config: Config, log: Logger): Promise<Running> {
  const metrics = await createMetrics(config, log);
  const zfs = new ZfsCli(zfsOptions(config, metrics));
  const mounter = new LinuxMounter({ prefix: config.zfsPrefix });
  const targets = new HostTargetManager(mounter, { publishRoots: config.publishRoots });
  await mkdir(config.mountRoot, { recursive: true, mode: 0o750 });
  const provisioner = new Provisioner({ zfs, bindsOf: (mp) => targets.bindsOf(mp), mountRoot: config.mountRoot });
  const store = new MemoryStore();
  // Shared by the CSI calls and `ctl import` on the admin socket, so the two exclude each other.
  const locks = new KeyedLocks();
  const state = new StandaloneState({ zfs, provisioner, store, parents: config.parents, log });
  const capacity = new CapacityCache(zfs, config.nodeId, config.parents);
  const backend = new LocalBackend({
    provisioner,
    store,
    capacity,
    node: config.nodeId,
    loaded: () => state.loaded,
    poolsReady: () => state.poolsReady(),
    volumeStates: (records, signal) => localVolumeStates(
      { zfs, node: config.nodeId, bindsOf: (mps) => targets.bindsOfAll(mps) }, records, signal,
    ),
    onHeld: (news, all) => {
      for (const h of news) log.warn(holdText(h), { volume: h.volumeId, reason: h.reason, snapshots: h.snapshots });
      metrics?.setForeignHeld(foreignHeldTotals(config.nodeId, config.parents, all));
    },
  });
  const poolHealth = new PoolHealthMonitor({ zfs, parents: config.parents, intervalMs: config.healthIntervalSeconds * 1000, log });
  metrics?.setSources({
    inventory: localInventory(store, () => state.loaded),
    capacity: localCapacity({ capacity, zfs, parents: config.parents }),
  });
  // Metrics first: a taken port fails start-up before the CSI socket exists (and a failed CSI start closes it).
  const http = await serveMetrics(config, metrics, () => backend.ready(), log);
  const server = await serveCsi(config, log, {
    Identity: identityService({ driverName: config.driverName, version: VERSION, controller: true, ready: () => backend.ready() }),
    Controller: controllerService({ backend, driverName: config.driverName }),
    Node: nodeService({
      nodeId: config.nodeId, volumes: state.nodeLookup(), targets,
      health: { conditionOf: (v) => poolHealth.conditionOf(v.dataset), unavailable: (v) => poolHealth.unavailable(v.dataset) },
    }),
  }, metrics, http, locks);
  const side = await startAdminSide({ config, zfs, mounter, store, state, capacity, locks, metrics, log, held: () => provisioner.sweeper.held() }).catch(async (err: unknown) => {
    await server.drain(0);
    await http?.close();
    throw err;
  });
  log.info('serving CSI', { mode: 'standalone', socket: server.socketPath, node: config.nodeId, parents: config.parents });
  state.start(config.sweepIntervalSeconds * 1000, (parent) => backend.sweep(parent));
  poolHealth.start();
  return {
    server,
    async stop(timeoutMs) {
      state.stop();
      await side.stop();
      await server.drain(timeoutMs);
      await poolHealth.stop();
      await http?.close();
    },
  };
}

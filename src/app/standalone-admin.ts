import type { Logger } from 'winston';
import { newVolumeId } from '../csi/ids.js';
import type { KeyedLocks } from '../grpc/locks.js';
import type { Metrics } from '../metrics/registry.js';
import type { Mounter } from '../mount/mounter.js';
import type { CapacityCache } from '../provision/capacity.js';
import type { ForeignHold } from '../provision/foreign.js';
import { Importer } from '../provision/importer.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { ZfsCli } from '../zfs/cli.js';
import { importHandler } from './admin-imports.js';
import { serveAdmin } from './admin-server.js';
import type { Config } from './config.js';
import type { StandaloneState } from './standalone-state.js';
import { startTransfers } from './standalone-transfers.js';

export interface AdminWiring {
  readonly config: Config;
  readonly zfs: ZfsCli;
  readonly mounter: Mounter;
  readonly store: MemoryStore;
  readonly state: StandaloneState;
  readonly capacity: CapacityCache;
  /** The CSI server's locks: an import and a CSI call for the same name exclude each other. */
  readonly locks: KeyedLocks;
  readonly metrics: Metrics | undefined;
  readonly log: Logger;
  /** Deleted volumes only foreign snapshots keep, for `ctl held-volumes` (issue #10 part 3). */
  readonly held: () => readonly ForeignHold[];
}

/**
 * What a standalone driver serves besides CSI: transfers when configured (issue #8), and the admin socket
 * that `ctl import` (issue #10, docs/import.md), `ctl held-volumes` and `ctl transfer-*` talk to. A failed start stops what it
 * had started.
 */
export async function startAdminSide(w: AdminWiring): Promise<{ stop(): Promise<void> }> {
  const { config, zfs, store, state, log } = w;
  const transfers = config.transfer && await startTransfers({
    config, transfer: config.transfer, zfs, store, absorb: (dataset) => state.absorb(dataset), metrics: w.metrics, log,
  });
  const importer = new Importer({
    zfs, mountTable: () => w.mounter.table(), mountRoot: config.mountRoot, node: config.nodeId, parents: config.parents,
    newId: newVolumeId, byName: (name) => store.volumeByName(name), byId: (id) => store.volume(id),
  });
  const admin = config.adminSocket === undefined ? undefined : await serveAdmin(config.adminSocket, {
    imports: importHandler({ importer, store, locks: w.locks, capacity: w.capacity, loaded: () => state.loaded }),
    held: w.held,
    ...(transfers ? { transfers: transfers.manager } : {}),
  }, log).catch(async (err: unknown) => {
    await transfers?.stop();
    throw err;
  });
  return {
    async stop() {
      await admin?.close();
      await transfers?.stop();
    },
  };
}

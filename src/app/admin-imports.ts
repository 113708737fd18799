/**
 * `POST /v1/imports` of the standalone admin API (docs/import.md): the request decoded from JSON, the import
 * run under the same keyed locks as the CSI calls (a CreateVolume of the same name cannot interleave), and
 * the new volume put in the store, so ListVolumes and every other call see it at once.
 */
import { DriverError } from '../domain/errors.js';
import type { VolumeRecord } from '../domain/types.js';
import type { KeyedLocks } from '../grpc/locks.js';
import type { CapacityCache } from '../provision/capacity.js';
import type { ImportRequest } from '../provision/import-check.js';
import type { Importer } from '../provision/importer.js';
import type { MemoryStore } from '../store/memory-store.js';

export type ImportHandler = (body: unknown) => Promise<ImportReply>;

/** What `ctl import` prints; sizes as decimal strings, like the CSI messages. */
export interface ImportReply {
  readonly volumeId: string;
  readonly name: string;
  readonly dataset: string;
  readonly capacityBytes: string;
  readonly mountpoint: string;
  readonly node: string;
}

export interface ImportWiring {
  readonly importer: Importer;
  readonly store: MemoryStore;
  readonly locks: KeyedLocks;
  readonly capacity: CapacityCache;
  readonly loaded: () => boolean;
}

/** An import is a few `zfs set`s and one mount; a stuck one gives up rather than hold the locks for ever. */
const IMPORT_BUDGET_MS = 60_000;

export function importHandler(w: ImportWiring): ImportHandler {
  return async (body) => {
    const request = decodeImportRequest(body);
    // The store must be whole first: the name and ID checks ask it who owns what.
    if (!w.loaded()) throw new DriverError('UNAVAILABLE', 'volume state is still being loaded from the pool; retry');
    const keys = [`volume-name:${request.name ?? request.dataset}`, `import:${request.dataset}`];
    const release = w.locks.tryAcquire(keys);
    if (!release) throw new DriverError('ABORTED', `an operation on ${w.locks.firstHeld(keys) ?? request.dataset} is in progress; retry`);
    try {
      const record = await w.importer.importDataset(request, AbortSignal.timeout(IMPORT_BUDGET_MS));
      w.store.putVolume(record);
      w.capacity.invalidate();
      return replyOf(record);
    } finally {
      release();
    }
  };
}

export function decodeImportRequest(body: unknown): ImportRequest {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { dataset, name, sizeBytes } = o;
  if (typeof dataset !== 'string' || dataset === '') throw new DriverError('INVALID_ARGUMENT', 'dataset is required');
  if (name !== undefined && typeof name !== 'string') throw new DriverError('INVALID_ARGUMENT', 'name must be a string');
  if (sizeBytes !== undefined && (typeof sizeBytes !== 'string' || !/^\d{1,19}$/.test(sizeBytes))) {
    throw new DriverError('INVALID_ARGUMENT', 'sizeBytes must be a decimal string of bytes');
  }
  return {
    dataset,
    ...(name === undefined ? {} : { name }),
    ...(sizeBytes === undefined ? {} : { sizeBytes: BigInt(sizeBytes) }),
  };
}

const replyOf = (v: VolumeRecord): ImportReply => ({
  volumeId: v.id, name: v.name, dataset: v.dataset, capacityBytes: v.capacityBytes.toString(), mountpoint: v.mountpoint, node: v.node,
});

import type { VolumeBackend } from '../domain/backend.js';
import type { PoolCapacity } from './sources.js';

/** A scrape must not wait long on the API server or a pool: the read gives up after this. */
const SCRAPE_TIMEOUT_MS = 10_000;

/**
 * Capacity of every node the backend knows (controller mode: the ZfsNode statuses), for the pool gauges.
 * CapacityReport carries no `used`, so zfs_csi_pool_used_bytes has no series from this source.
 */
export function backendCapacity(backend: Pick<VolumeBackend, 'capacity'>): () => Promise<readonly PoolCapacity[]> {
  return async () => backend.capacity(undefined, AbortSignal.timeout(SCRAPE_TIMEOUT_MS));
}

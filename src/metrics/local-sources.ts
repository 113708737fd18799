import type { CapacityReport, SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { Zfs } from '../zfs/zfs.js';
import { countBy, type PhaseCounts, type PoolCapacity } from './sources.js';

/** A scrape must not hang on a stuck pool: its zfs reads give up after this. */
const SCRAPE_TIMEOUT_MS = 10_000;

export interface LocalRecords {
  allVolumes(): readonly VolumeRecord[];
  allSnapshots(): readonly SnapshotRecord[];
}

/**
 * Standalone mode's phases: a volume is Ready or Retired (§3.1), a snapshot Ready or Pending. Until the
 * start-up scan has filled the store the counts are unknown, not zero.
 */
export function localInventory(records: LocalRecords, loaded: () => boolean): () => Promise<PhaseCounts | undefined> {
  return async () => {
    if (!loaded()) return undefined;
    // Every phase is present, at 0 when empty, so a dashboard shows "none" rather than "no data".
    return {
      volumes: { Ready: 0, Retired: 0, ...countBy(records.allVolumes(), (v) => (v.retired ? 'Retired' : 'Ready')) },
      snapshots: { Ready: 0, Pending: 0, ...countBy(records.allSnapshots(), (s) => (s.readyToUse ? 'Ready' : 'Pending')) },
    };
  };
}

export interface LocalCapacityDeps {
  /** The CapacityCache CreateVolume uses (available and retired bytes, cached briefly). */
  readonly capacity: { get(signal?: AbortSignal): Promise<readonly CapacityReport[]> };
  readonly zfs: Pick<Zfs, 'get'>;
  readonly parents: readonly string[];
}

/**
 * Capacity of this node's parents at scrape time: available and retired bytes from the CapacityCache, `used`
 * from one `zfs get` of the parents (CapacityReport does not carry it). Two zfs calls at most per scrape.
 */
export function localCapacity(deps: LocalCapacityDeps): () => Promise<readonly PoolCapacity[]> {
  return async () => {
    const signal = AbortSignal.timeout(SCRAPE_TIMEOUT_MS);
    const [reports, infos] = await Promise.all([
      deps.capacity.get(signal),
      deps.zfs.get(deps.parents, ['used'], {}, signal),
    ]);
    const used = new Map(infos.map((i) => [i.name, i.props.get('used')]));
    return reports.map((r) => {
      const bytes = used.get(r.parent);
      return { ...r, ...(bytes === undefined || !/^\d+$/.test(bytes) ? {} : { usedBytes: BigInt(bytes) }) };
    });
  };
}

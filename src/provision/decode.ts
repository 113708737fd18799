import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { DatasetInfo } from '../zfs/zfs.js';
import { P, decodeParams, decodeSource, decodeText } from './props.js';

/** What one scan of a parent says (DESIGN.md §7: one `zfs get -r` per parent, not one call per volume). */
export interface PoolView {
  /** Every managed volume dataset, retired ones included. */
  readonly volumes: readonly VolumeRecord[];
  /** Managed CSI snapshots the CO may still see (deferred-destroy ones left out). */
  readonly snapshots: readonly SnapshotRecord[];
  /** Every snapshot name per dataset, whatever its kind: a dataset with any cannot be destroyed. */
  readonly snapshotsOf: ReadonlyMap<string, readonly string[]>;
  /** Hidden helper snapshots behind volume clones: snapshot name → the volume id it was made for. */
  readonly helpers: ReadonlyMap<string, string>;
  /** Snapshots already marked for deferred destroy (ZFS removes them with their last clone). */
  readonly deferred: ReadonlySet<string>;
  /** Datasets or snapshots under the parent without the managed mark, or whose record is damaged. */
  readonly foreign: readonly string[];
  /**
   * Snapshots without the managed mark at all (sanoid, an operator's `zfs snapshot`): name → what keeps them.
   * A damaged record of ours is not here: it still counts as the driver's (issue #10 part 3).
   */
  readonly unmarked: ReadonlyMap<string, UnmarkedSnapshot>;
}

export interface UnmarkedSnapshot {
  /** `zfs hold` count: a held snapshot cannot be destroyed until the holder releases it. */
  readonly holds: number;
  /** Datasets under the parent cloned from it (their `origin`). */
  readonly clones: readonly string[];
}

const isManaged = (info: DatasetInfo): boolean => info.props.get(P.managed) === 'true';

export function decodePool(parent: string, infos: readonly DatasetInfo[]): PoolView {
  const volumes: VolumeRecord[] = [];
  const snapshots: SnapshotRecord[] = [];
  const snapshotsOf = new Map<string, string[]>();
  const helpers = new Map<string, string>();
  const deferred = new Set<string>();
  const foreign: string[] = [];
  const unmarked = new Map<string, UnmarkedSnapshot>();
  for (const info of infos) {
    if (info.name === parent) continue;
    if (info.props.get('type') === 'snapshot') {
      const dataset = info.name.slice(0, info.name.indexOf('@'));
      snapshotsOf.set(dataset, [...(snapshotsOf.get(dataset) ?? []), info.name]);
      if (info.props.get('defer_destroy') === 'on') deferred.add(info.name);
    }
    if (info.props.get('type') === 'snapshot' && info.props.get(P.managed) === undefined) {
      unmarked.set(info.name, { holds: Number(info.props.get('userrefs') ?? '0') || 0, clones: [] });
    }
    const placed = isManaged(info) ? place(info) : undefined;
    if (placed === undefined) foreign.push(info.name);
    else if (placed.kind === 'volume') volumes.push(placed.record);
    else if (placed.kind === 'helper') helpers.set(info.name, placed.forVolume);
    else if (!deferred.has(info.name)) snapshots.push(placed.record);
  }
  return { volumes: volumes.sort(byId), snapshots: snapshots.sort(byId), snapshotsOf, helpers, deferred, foreign, unmarked: withClones(unmarked, infos) };
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Fills in the clones of each unmarked snapshot from the `origin` of every dataset the scan saw. */
function withClones(unmarked: Map<string, UnmarkedSnapshot>, infos: readonly DatasetInfo[]): Map<string, UnmarkedSnapshot> {
  for (const info of infos) {
    const origin = info.props.get('origin');
    const snap = origin === undefined ? undefined : unmarked.get(origin);
    if (origin !== undefined && snap) unmarked.set(origin, { ...snap, clones: [...snap.clones, info.name] });
  }
  return unmarked;
}

type Placed =
  | { kind: 'volume'; record: VolumeRecord }
  | { kind: 'snapshot'; record: SnapshotRecord }
  | { kind: 'helper'; forVolume: string };

function place(info: DatasetInfo): Placed | undefined {
  const kind = info.props.get(P.kind);
  if (kind === 'volume') {
    const record = decodeVolume(info);
    return record && { kind: 'volume', record };
  }
  if (kind === 'snapshot') {
    const record = decodeSnapshot(info);
    return record && { kind: 'snapshot', record };
  }
  const forVolume = info.props.get(P.helperFor);
  return kind === 'clone-helper' && forVolume ? { kind: 'helper', forVolume } : undefined;
}

export function decodeVolume(info: DatasetInfo): VolumeRecord | undefined {
  const p = info.props;
  const slash = info.name.lastIndexOf('/');
  const id = p.get(P.volumeId) ?? '';
  const name = decodeText(p.get(P.csiName) ?? '');
  const params = decodeParams(p.get(P.params));
  const source = decodeSource(p.get(P.source));
  const node = p.get(P.node);
  const mountpoint = p.get('mountpoint');
  // A made volume is named by its ID; an imported one keeps its name and records it (docs/import.md).
  const placed = info.name.slice(slash + 1) === id || (p.get(P.dataset) === info.name && p.has(P.imported));
  if (id === '' || !placed || !name || !params || source === null || !node || !mountpoint) return undefined;
  const quota = p.get(params.quotaType) ?? '0';
  const replicaOf = p.get(P.replicaOf);
  return {
    id,
    name,
    node,
    parent: info.name.slice(0, slash),
    capacityBytes: BigInt(quota),
    ...(source ? { source } : {}),
    params,
    dataset: info.name,
    mountpoint,
    retired: p.has(P.retired),
    usedBytes: BigInt(p.get('used') ?? '0'),
    ...(replicaOf === undefined ? {} : { replicaOf }),
  };
}

export function decodeSnapshot(info: DatasetInfo): SnapshotRecord | undefined {
  const p = info.props;
  const id = info.name.slice(info.name.indexOf('@') + 1);
  const name = decodeText(p.get(P.csiName) ?? '');
  const sourceVolumeId = p.get(P.sourceVolume);
  const node = p.get(P.node);
  const size = p.get(P.size);
  // Our own millisecond stamp (written with the snapshot) keeps creation_time identical across restarts.
  const created = p.get(P.created) ?? (p.has('creation') ? String(Number(p.get('creation')) * 1000) : undefined);
  if (p.get(P.snapshotId) !== id || !name || !sourceVolumeId || !node || !size || !created) return undefined;
  return {
    id,
    name,
    sourceVolumeId,
    node,
    zfsName: info.name,
    creationTime: new Date(Number(created)),
    sizeBytes: BigInt(size),
    readyToUse: true,
  };
}

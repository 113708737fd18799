/**
 * Standalone mode's volume health (issue #7 "honest health"): the pool's `zpool` health, the dataset as ZFS
 * shows it (present, not retired, mounted where the record says) and where it is published (mount table).
 * A constant number of commands per call: one `zpool list` per pool and one `zfs get -d 1` per parent.
 */
import { abnormal, normal, poolCondition, poolOf, type VolumeState } from '../domain/health.js';
import type { VolumeRecord } from '../domain/types.js';
import { isZfsError } from '../zfs/errors.js';
import type { DatasetInfo, Zfs } from '../zfs/zfs.js';
import { P } from './props.js';

export interface LocalHealthDeps {
  readonly zfs: Zfs;
  /** This node: the one published_node_ids can name. */
  readonly node: string;
  /** Targets each dataset mountpoint is bind-mounted on now, from one read of the mount table. */
  readonly bindsOf: (mountpoints: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>;
}

const HEALTH_PROPS = ['mounted', 'mountpoint', P.retired] as const;

/** Pools whose datasets can be read: a SUSPENDED or FAULTED pool may hang `zfs get`, and says enough. */
const READABLE = new Set(['ONLINE', 'DEGRADED']);

/** A parent's children by name, or 'missing' when the parent itself is gone. */
type ParentView = ReadonlyMap<string, DatasetInfo> | 'missing';

export async function localVolumeStates(
  deps: LocalHealthDeps,
  records: readonly VolumeRecord[],
  signal: AbortSignal,
): Promise<VolumeState[]> {
  if (records.length === 0) return [];
  const pools = await poolHealths(deps.zfs, records, signal);
  const readable = unique(records.map((r) => r.parent)).filter((p) => READABLE.has(pools.get(poolOf(p)) ?? ''));
  const views = new Map(await Promise.all(readable.map(async (p) => [p, await parentView(deps.zfs, p, signal)] as const)));
  const binds = await deps.bindsOf(records.map((r) => r.mountpoint));
  return records.map((r) => ({
    condition: conditionOf(r, pools.get(poolOf(r.parent)), views.get(r.parent)),
    publishedNodes: (binds.get(r.mountpoint)?.length ?? 0) > 0 ? [deps.node] : [],
  }));
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

async function poolHealths(zfs: Zfs, records: readonly VolumeRecord[], signal: AbortSignal): Promise<Map<string, string | undefined>> {
  const pools = unique(records.map((r) => poolOf(r.parent)));
  return new Map(await Promise.all(pools.map(async (p) => [p, await zfs.poolHealth(p, signal)] as const)));
}

async function parentView(zfs: Zfs, parent: string, signal: AbortSignal): Promise<ParentView> {
  try {
    const infos = await zfs.get([parent], HEALTH_PROPS, { depth: 1 }, signal);
    return new Map(infos.map((i) => [i.name, i]));
  } catch (err) {
    // The pool answered (READABLE), so "does not exist" is real here (DESIGN.md §4 rule 6).
    if (isZfsError(err, 'not_found')) return 'missing';
    throw err;
  }
}

/** Every problem found, in the order an operator should look at them; normal when there is none. */
export function conditionOf(record: VolumeRecord, health: string | undefined, view: ParentView | undefined): VolumeState['condition'] {
  const problems: string[] = [];
  const pool = poolCondition(poolOf(record.parent), health);
  if (pool) problems.push(pool.message);
  if (view === 'missing') problems.push(`parent dataset ${record.parent} is missing`);
  else if (view !== undefined) problems.push(...datasetProblems(record, view.get(record.dataset)));
  return problems.length === 0 ? normal('dataset is present and mounted; pool is ONLINE') : abnormal(problems.join('; '));
}

function datasetProblems(record: VolumeRecord, info: DatasetInfo | undefined): string[] {
  if (info === undefined) return [`dataset ${record.dataset} is missing`];
  const out: string[] = [];
  if (info.props.has(P.retired)) out.push(`dataset ${record.dataset} is marked retired`);
  const mountpoint = info.props.get('mountpoint');
  if (mountpoint !== undefined && mountpoint !== record.mountpoint) {
    out.push(`dataset ${record.dataset} has mountpoint ${mountpoint}, expected ${record.mountpoint}`);
  } else if (info.props.get('mounted') === 'no') {
    out.push(`dataset ${record.dataset} is not mounted at ${record.mountpoint}`);
  }
  return out;
}

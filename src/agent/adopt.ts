/**
 * Adoption (docs/kubernetes-mode.md "Agent start-up"): match this node's resources against one scan per present
 * parent, at start and again whenever a parent comes or goes. Resources that already say what the pool says
 * cost nothing (no zfs call, no API write), so 1,000 of them adopt within the §7 budget. Nothing is ever
 * destroyed or re-created here (DESIGN.md §4 rule 10):
 * - parent absent (pool not imported, parent missing) → a Ready resource becomes Unavailable, with an Event;
 * - dataset present, status behind → Ready written from the scanned record;
 * - Lost or Unavailable but the dataset is there again → Ready, with an Event (recovery);
 * - Ready or Unavailable, parent present, dataset missing (checked again one by one) → Lost, with an Event;
 * - a dataset or snapshot with no resource → drift (returned), left alone;
 * - anything else → queued for the reconciler.
 */
import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { PoolView } from '../provision/decode.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';
import { hasFinalizer, parentOfSnapshot, snapshotSettled, volumeDataset, volumeSettled } from './records.js';
import { inspectSnapshot, inspectVolume } from './zfs-state.js';

export type Enqueue = (kind: 'volume' | 'snapshot', name: string) => void;

export interface AdoptionReport {
  readonly volumes: number;
  readonly snapshots: number;
  readonly queued: number;
  readonly lost: readonly string[];
  readonly unavailable: readonly string[];
  readonly recovered: readonly string[];
  /** Managed datasets and snapshots under this node's parents that no resource names. */
  readonly drift: readonly string[];
}

/** Drift: what the driver made on the pool that no resource of this node names any more. */
export function driftOf(
  views: readonly PoolView[],
  volumes: readonly ZfsVolume[],
  snapshots: readonly ZfsSnapshot[],
  copies: ReadonlySet<string> = new Set(),
): string[] {
  const volumeIds = new Set(volumes.map((v) => v.spec.volumeId));
  const snapshotIds = new Set(snapshots.map((s) => s.spec.snapshotId));
  // A received copy is accounted for by the Succeeded ZfsTransfer that made it (issue #8), not drift.
  const copyDatasets = new Set([...copies].map((c) => c.slice(0, c.indexOf('@'))));
  return views.flatMap((view) => [
    ...view.volumes.filter((v) => !volumeIds.has(v.id) && !(v.replicaOf !== undefined && copyDatasets.has(v.dataset))).map((v) => v.dataset),
    ...view.snapshots.filter((s) => !snapshotIds.has(s.id) && !copies.has(s.zfsName)).map((s) => s.zfsName),
  ]).sort();
}

type Verdict = 'ok' | 'queue' | 'lost' | 'unavailable' | 'recovered';

export async function adopt(ctx: AgentContext, views: readonly PoolView[], enqueue: Enqueue): Promise<AdoptionReport> {
  const volumeRecords = new Map<string, VolumeRecord>();
  const snapshotRecords = new Map<string, SnapshotRecord>();
  for (const view of views) {
    for (const v of view.volumes) volumeRecords.set(v.dataset, v);
    for (const s of view.snapshots) snapshotRecords.set(s.id, s);
  }
  const mine = <T extends { spec: { nodeName: string } }>(list: T[]): T[] => list.filter((o) => o.spec.nodeName === ctx.node);
  const volumes = mine(ctx.volumes.list());
  const snapshots = mine(ctx.snapshots.list());
  const tally: Record<Verdict, string[]> = { ok: [], queue: [], lost: [], unavailable: [], recovered: [] };
  for (const v of volumes) {
    const verdict = await adoptVolume(ctx, v, volumeRecords.get(volumeDataset(v)));
    tally[verdict].push(v.metadata.name);
    if (verdict === 'queue') enqueue('volume', v.metadata.name);
  }
  for (const s of snapshots) {
    const verdict = await adoptSnapshot(ctx, s, snapshotRecords.get(s.spec.snapshotId));
    tally[verdict].push(s.metadata.name);
    if (verdict === 'queue') enqueue('snapshot', s.metadata.name);
  }
  return {
    volumes: volumes.length, snapshots: snapshots.length, queued: tally.queue.length, lost: tally.lost,
    unavailable: tally.unavailable, recovered: tally.recovered, drift: driftOf(views, ctx.volumes.list(), ctx.snapshots.list(), new Set(ctx.copies().values())),
  };
}

const CLEAR = { code: null, message: null } as const;

async function adoptVolume(ctx: AgentContext, v: ZfsVolume, record: VolumeRecord | undefined): Promise<Verdict> {
  const st = v.status ?? {};
  const parent = v.spec.parentDataset;
  if (v.metadata.deletionTimestamp || v.spec.deletionRequested || !ctx.parents.includes(parent)) return 'queue';
  if (st.deletion === 'Destroyed' || st.deletion === 'Retired') return 'ok';
  const involved = involvedOf('ZfsVolume', v.metadata);
  if (!ctx.presence.isPresent(parent)) {
    if (st.phase === 'Unavailable' || st.phase === 'Lost') return 'ok';
    if (st.phase !== 'Ready') return 'queue'; // the reconciler records UNAVAILABLE and waits
    const message = ctx.presence.get(parent)?.message ?? `parent dataset ${parent} is not available`;
    await ctx.volumeWriter.patchStatus(v, { phase: 'Unavailable', code: 'UNAVAILABLE', message });
    await ctx.events.warning(involved, 'VolumeUnavailable', message);
    return 'unavailable';
  }
  if (!record || record.id !== v.spec.volumeId) {
    if (st.phase !== 'Ready' && st.phase !== 'Unavailable') return st.phase === 'Lost' ? 'ok' : 'queue';
    // The scan may predate a create that just finished: look once more before calling it lost.
    const now = await inspectVolume(ctx.zfs, parent, volumeDataset(v), v.spec.volumeId);
    if (now) return 'ok';
    const message = `dataset ${volumeDataset(v)} is missing from its pool (the pool and parent are present); not re-created`;
    await ctx.volumeWriter.patchStatus(v, { phase: 'Lost', code: 'NOT_FOUND', message });
    await ctx.events.warning(involved, 'DatasetLost', message);
    return 'lost';
  }
  if (record.retired) return 'queue'; // the reconciler refuses to call it Ready
  const recovering = st.phase === 'Lost' || st.phase === 'Unavailable';
  if (!recovering && hasFinalizer(v.metadata) && volumeSettled(v) && st.dataset === record.dataset) return 'ok';
  if (recovering || (hasFinalizer(v.metadata) && st.phase !== 'Ready' && st.phase !== 'Failed')) {
    // Made before a crash with status never written, or back after an absence: the scan says all status needs.
    await ctx.volumeWriter.patchStatus(v, {
      phase: 'Ready', capacityBytes: record.capacityBytes.toString(), dataset: record.dataset,
      mountpoint: record.mountpoint, observedGeneration: v.metadata.generation, ...CLEAR,
    });
    if (recovering) {
      await ctx.events.normal(involved, 'VolumeRecovered', `dataset ${record.dataset} is present again; the volume is Ready`);
      return 'recovered';
    }
    return record.capacityBytes < BigInt(v.spec.requestedBytes) ? 'queue' : 'ok';
  }
  return 'queue';
}

/** Where the snapshot lives: its status once made, else beside its source volume. */
function snapshotParent(ctx: AgentContext, s: ZfsSnapshot): string | undefined {
  const zfsName = s.status?.zfsName;
  return zfsName ? parentOfSnapshot(zfsName) : ctx.volumes.get(s.spec.sourceVolumeId)?.spec.parentDataset;
}

async function adoptSnapshot(ctx: AgentContext, s: ZfsSnapshot, record: SnapshotRecord | undefined): Promise<Verdict> {
  const st = s.status ?? {};
  const parent = snapshotParent(ctx, s);
  if (s.metadata.deletionTimestamp || s.spec.deletionRequested || parent === undefined) return 'queue';
  if (st.deletion === 'Destroyed') return 'ok';
  const involved = involvedOf('ZfsSnapshot', s.metadata);
  if (!ctx.presence.isPresent(parent)) {
    if (st.phase !== 'Ready') return st.phase === 'Unavailable' || st.phase === 'Lost' ? 'ok' : 'queue';
    const message = ctx.presence.get(parent)?.message ?? `parent dataset ${parent} is not available`;
    await ctx.snapshotWriter.patchStatus(s, { phase: 'Unavailable', readyToUse: false, code: 'UNAVAILABLE', message });
    await ctx.events.warning(involved, 'SnapshotUnavailable', message);
    return 'unavailable';
  }
  if (!record) {
    if (st.phase !== 'Ready' && st.phase !== 'Unavailable') return st.phase === 'Lost' ? 'ok' : 'queue';
    const zfsName = st.zfsName ?? s.spec.snapshotId;
    if (st.zfsName && (await inspectSnapshot(ctx.zfs, parent, st.zfsName, s.spec.snapshotId))) return 'ok';
    const message = `snapshot ${zfsName} is missing from its pool (the pool and parent are present); not re-created`;
    await ctx.snapshotWriter.patchStatus(s, { phase: 'Lost', readyToUse: false, code: 'NOT_FOUND', message });
    await ctx.events.warning(involved, 'SnapshotLost', message);
    return 'lost';
  }
  const recovering = st.phase === 'Lost' || st.phase === 'Unavailable';
  if (!recovering && hasFinalizer(s.metadata) && snapshotSettled(s) && st.zfsName === record.zfsName) return 'ok';
  if (recovering || (hasFinalizer(s.metadata) && st.phase !== 'Ready' && st.phase !== 'Failed')) {
    await ctx.snapshotWriter.patchStatus(s, {
      phase: 'Ready', readyToUse: true, creationTime: record.creationTime.toISOString(),
      sizeBytes: record.sizeBytes.toString(), zfsName: record.zfsName, observedGeneration: s.metadata.generation, ...CLEAR,
    });
    if (!recovering) return 'ok';
    await ctx.events.normal(involved, 'SnapshotRecovered', `snapshot ${record.zfsName} is present again; it is ready to use`);
    return 'recovered';
  }
  return 'queue';
}

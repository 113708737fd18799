/**
 * Start-up adoption (docs/kubernetes-mode.md "Agent start-up"): match this node's resources against one scan
 * per parent. Resources that already say what the pool says cost nothing (no zfs call, no API write), so
 * 1,000 of them adopt within the §7 budget. Nothing is ever destroyed or re-created here:
 * - dataset present, status behind → Ready written from the scanned record;
 * - Ready but the dataset missing (pool present: it was scanned) → Lost, with an Event;
 * - a dataset or snapshot with no resource → drift (returned), left alone;
 * - anything else → queued for the reconciler.
 */
import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { PoolView } from '../provision/decode.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';
import { hasFinalizer, snapshotSettled, volumeDataset, volumeSettled } from './records.js';

export type Enqueue = (kind: 'volume' | 'snapshot', name: string) => void;

export interface AdoptionReport {
  readonly volumes: number;
  readonly snapshots: number;
  readonly queued: number;
  readonly lost: readonly string[];
  /** Managed datasets and snapshots under this node's parents that no resource names. */
  readonly drift: readonly string[];
}

/** Drift: what the driver made on the pool that no resource of this node names any more. */
export function driftOf(
  views: readonly PoolView[],
  volumes: readonly ZfsVolume[],
  snapshots: readonly ZfsSnapshot[],
): string[] {
  const volumeIds = new Set(volumes.map((v) => v.spec.volumeId));
  const snapshotIds = new Set(snapshots.map((s) => s.spec.snapshotId));
  return views.flatMap((view) => [
    ...view.volumes.filter((v) => !volumeIds.has(v.id)).map((v) => v.dataset),
    ...view.snapshots.filter((s) => !snapshotIds.has(s.id)).map((s) => s.zfsName),
  ]).sort();
}

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
  let queued = 0;
  const lost: string[] = [];
  const queue: Enqueue = (kind, name) => {
    queued++;
    enqueue(kind, name);
  };
  for (const v of volumes) {
    const verdict = await adoptVolume(ctx, v, volumeRecords.get(volumeDataset(v)));
    if (verdict === 'queue') queue('volume', v.metadata.name);
    if (verdict === 'lost') lost.push(v.metadata.name);
  }
  for (const s of snapshots) {
    const verdict = await adoptSnapshot(ctx, s, snapshotRecords.get(s.spec.snapshotId));
    if (verdict === 'queue') queue('snapshot', s.metadata.name);
    if (verdict === 'lost') lost.push(s.metadata.name);
  }
  return { volumes: volumes.length, snapshots: snapshots.length, queued, lost, drift: driftOf(views, ctx.volumes.list(), ctx.snapshots.list()) };
}

type Verdict = 'ok' | 'queue' | 'lost';

async function adoptVolume(ctx: AgentContext, v: ZfsVolume, record: VolumeRecord | undefined): Promise<Verdict> {
  const st = v.status ?? {};
  if (v.metadata.deletionTimestamp || v.spec.deletionRequested || !ctx.parents.includes(v.spec.parentDataset)) return 'queue';
  if (st.phase === 'Lost' || st.deletion === 'Destroyed' || st.deletion === 'Retired') return 'ok';
  if (!record || record.id !== v.spec.volumeId) {
    if (st.phase !== 'Ready') return 'queue';
    const message = `dataset ${volumeDataset(v)} is missing from its pool (the pool is imported); not re-created`;
    await ctx.volumeWriter.patchStatus(v, { phase: 'Lost', code: 'NOT_FOUND', message });
    await ctx.events.warning(involvedOf('ZfsVolume', v.metadata), 'DatasetLost', message);
    return 'lost';
  }
  if (record.retired) return 'queue'; // the reconciler refuses to call it Ready
  if (hasFinalizer(v.metadata) && volumeSettled(v) && st.dataset === record.dataset) return 'ok';
  if (hasFinalizer(v.metadata) && st.phase !== 'Ready' && st.phase !== 'Failed') {
    // Made before a crash, status never written: the scan already says everything status needs.
    await ctx.volumeWriter.patchStatus(v, {
      phase: 'Ready', capacityBytes: record.capacityBytes.toString(), dataset: record.dataset,
      mountpoint: record.mountpoint, observedGeneration: v.metadata.generation, code: null, message: null,
    });
    return record.capacityBytes < BigInt(v.spec.requestedBytes) ? 'queue' : 'ok';
  }
  return 'queue';
}

async function adoptSnapshot(ctx: AgentContext, s: ZfsSnapshot, record: SnapshotRecord | undefined): Promise<Verdict> {
  const st = s.status ?? {};
  if (s.metadata.deletionTimestamp || s.spec.deletionRequested) return 'queue';
  if (st.phase === 'Lost' || st.deletion === 'Destroyed') return 'ok';
  if (!record) {
    if (st.phase !== 'Ready') return 'queue';
    const message = `snapshot ${st.zfsName ?? s.spec.snapshotId} is missing from its pool (the pool is imported); not re-created`;
    await ctx.snapshotWriter.patchStatus(s, { phase: 'Lost', readyToUse: false, code: 'NOT_FOUND', message });
    await ctx.events.warning(involvedOf('ZfsSnapshot', s.metadata), 'SnapshotLost', message);
    return 'lost';
  }
  if (hasFinalizer(s.metadata) && snapshotSettled(s) && st.zfsName === record.zfsName) return 'ok';
  if (hasFinalizer(s.metadata) && st.phase !== 'Ready' && st.phase !== 'Failed') {
    await ctx.snapshotWriter.patchStatus(s, {
      phase: 'Ready', readyToUse: true, creationTime: record.creationTime.toISOString(),
      sizeBytes: record.sizeBytes.toString(), zfsName: record.zfsName, observedGeneration: s.metadata.generation,
      code: null, message: null,
    });
    return 'ok';
  }
  return 'queue';
}

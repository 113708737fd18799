/**
 * Makes ZFS match one ZfsSnapshot (docs/kubernetes-mode.md "Snapshot life cycle"): finalizer, `zfs snapshot`,
 * status; on deletion intent `zfs destroy -d` (deferred while clones need it), then a sweep when the source
 * volume is retired, since this snapshot may have been the last thing holding its data (DESIGN.md §3.1).
 */
import type { SnapshotRecord } from '../domain/types.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';
import { guarded, type GuardDeps } from './guard.js';
import { hasFinalizer, parentOfSnapshot, snapshotSettled, snapshotSpecOf, volumeDataset, volumeRecordOf } from './records.js';
import { AgentError, inspectSnapshot } from './zfs-state.js';

const CLEAR = { code: null, message: null } as const;

export class SnapshotReconciler {
  private readonly guard: GuardDeps<ZfsSnapshot>;

  constructor(private readonly ctx: AgentContext) {
    this.guard = { zfs: ctx.zfs, events: ctx.events, cache: ctx.snapshots, writer: ctx.snapshotWriter, kind: 'ZfsSnapshot' };
  }

  async reconcile(name: string, signal: AbortSignal): Promise<void> {
    const s = this.ctx.snapshots.get(name);
    if (!s || s.spec.nodeName !== this.ctx.node) return;
    const st = s.status ?? {};
    const parent = this.parentOf(s);
    if (s.metadata.deletionTimestamp) {
      return guarded(this.guard, s, parent, 'DeleteFailed', () => this.onDeleted(s, signal), signal);
    }
    if (s.spec.deletionRequested) {
      return guarded(this.guard, s, parent, 'DeleteFailed', () => this.onDeleteIntent(s, signal), signal);
    }
    if (st.deletion === 'Destroyed' || st.phase === 'Lost' || st.phase === 'Unavailable') return;
    if (st.phase === 'Failed' && st.observedGeneration === s.metadata.generation) return;
    if (snapshotSettled(s) && hasFinalizer(s.metadata)) return;
    return guarded(this.guard, s, parent, 'SnapshotFailed', () => this.ensure(s, signal), signal);
  }

  private source(s: ZfsSnapshot): ZfsVolume | undefined {
    return this.ctx.volumes.get(s.spec.sourceVolumeId);
  }

  /** The ZFS name: from status once made, else where it would be made (beside its source volume). */
  private zfsNameOf(s: ZfsSnapshot): string | undefined {
    const src = this.source(s);
    return s.status?.zfsName ?? (src ? `${volumeDataset(src)}@${s.spec.snapshotId}` : undefined);
  }

  private parentOf(s: ZfsSnapshot): string {
    const zfsName = this.zfsNameOf(s);
    return zfsName ? parentOfSnapshot(zfsName) : (this.ctx.parents[0] ?? '');
  }

  private async ensure(s: ZfsSnapshot, signal: AbortSignal): Promise<void> {
    if (s.spec.snapshotId !== s.metadata.name) {
      throw new AgentError('INVALID_ARGUMENT', `spec.snapshotId ${s.spec.snapshotId} differs from the name ${s.metadata.name}`);
    }
    const src = this.source(s);
    const sst = src?.status ?? {};
    if (!src || src.spec.deletionRequested || src.metadata.deletionTimestamp || sst.deletion || sst.phase === 'Failed' || sst.phase === 'Lost') {
      throw new AgentError('NOT_FOUND', `source volume ${s.spec.sourceVolumeId} not found on node ${this.ctx.node}`);
    }
    if (sst.phase !== 'Ready') throw new AgentError('UNAVAILABLE', `source volume ${s.spec.sourceVolumeId} is not ready yet`);
    if (!this.ctx.parents.includes(src.spec.parentDataset)) {
      throw new AgentError('INVALID_ARGUMENT', `source volume ${src.metadata.name} is not under a parent of node ${this.ctx.node}`);
    }
    if (!this.ctx.presence.isPresent(src.spec.parentDataset)) {
      throw new AgentError('UNAVAILABLE', this.ctx.presence.get(src.spec.parentDataset)?.message ?? `parent ${src.spec.parentDataset} not checked yet`);
    }
    if (!hasFinalizer(s.metadata)) s = await this.ctx.snapshotWriter.addFinalizer(s);
    const generation = s.metadata.generation;
    const st = s.status ?? {};
    if (st.phase === 'Ready' && st.zfsName) {
      await this.ctx.snapshotWriter.patchStatus(s, { observedGeneration: generation, readyToUse: true, ...CLEAR });
      return;
    }
    const sourceRecord = volumeRecordOf(src, (id) => this.ctx.provisioner.mountpointOf(id));
    const record = await this.ctx.provisioner.createSnapshot(snapshotSpecOf(s), sourceRecord, signal);
    await this.ctx.snapshotWriter.patchStatus(s, {
      phase: 'Ready', readyToUse: true, creationTime: record.creationTime.toISOString(),
      sizeBytes: record.sizeBytes.toString(), zfsName: record.zfsName, observedGeneration: generation, ...CLEAR,
    });
  }

  private async onDeleteIntent(s: ZfsSnapshot, signal: AbortSignal): Promise<void> {
    const st = s.status ?? {};
    const generation = s.metadata.generation ?? 0;
    if (st.deletion === 'Destroyed' && (st.observedGeneration ?? -1) >= generation) return;
    await this.destroy(s, signal);
    await this.ctx.snapshotWriter.patchStatus(s, {
      deletion: 'Destroyed', phase: 'Deleting', readyToUse: false, observedGeneration: generation, ...CLEAR,
    });
  }

  private async onDeleted(s: ZfsSnapshot, signal: AbortSignal): Promise<void> {
    if (!hasFinalizer(s.metadata)) return;
    if (!s.spec.deletionRequested) {
      await this.ctx.events.warning(involvedOf('ZfsSnapshot', s.metadata), 'DeletedWithoutIntent',
        `ZfsSnapshot deleted without CSI DeleteSnapshot: ${this.zfsNameOf(s) ?? 'its snapshot'} is kept, reported as drift (DESIGN.md §4 rule 7)`);
      await this.ctx.snapshotWriter.removeFinalizer(s);
      this.ctx.refreshDrift();
      return;
    }
    if (s.status?.deletion !== 'Destroyed') {
      await this.destroy(s, signal);
      s = await this.ctx.snapshotWriter.patchStatus(s, { deletion: 'Destroyed', phase: 'Deleting', readyToUse: false, ...CLEAR });
    }
    await this.ctx.snapshotWriter.removeFinalizer(s);
  }

  /** `zfs destroy -d` of the snapshot when it exists and is ours; then a sweep if its volume is retired. */
  private async destroy(s: ZfsSnapshot, signal: AbortSignal): Promise<void> {
    const zfsName = this.zfsNameOf(s);
    const parent = zfsName ? parentOfSnapshot(zfsName) : undefined;
    if (zfsName && parent && !this.ctx.parents.includes(parent) && hasFinalizer(s.metadata)) {
      throw new AgentError('FAILED_PRECONDITION', `parent ${parent} is no longer configured on node ${this.ctx.node}: `
        + `snapshot ${zfsName} is kept and the finalizer stays until the parent is configured again`);
    }
    if (!zfsName || !parent || !this.ctx.parents.includes(parent)) {
      // Never made here: no status names it and no source volume says where it would be.
      this.ctx.log.warn('deletion of a snapshot this node never made: nothing touched', { snapshot: s.metadata.name });
      return;
    }
    if (await inspectSnapshot(this.ctx.zfs, parent, zfsName, s.spec.snapshotId, signal)) {
      const record: SnapshotRecord = {
        ...snapshotSpecOf(s), zfsName, creationTime: new Date(0), sizeBytes: 0n, readyToUse: false,
      };
      await this.ctx.provisioner.deleteSnapshot(record, signal);
    }
    const src = this.source(s);
    const retired = !src || src.spec.deletionRequested === true || src.status?.deletion === 'Retired';
    if (retired) await this.ctx.sweep(parent, signal);
  }
}

/**
 * Makes ZFS match one ZfsVolume (docs/kubernetes-mode.md "Volume life cycle"): finalizer before anything is
 * made, then the idempotent provisioner, then status. Deletion needs the recorded intent (DESIGN.md §4 rule 7);
 * an absence is trusted only with the pool present (§4 rule 6).
 */
import { ProvisionError } from '../provision/errors.js';
import type { ResolvedSource } from '../provision/provisioner.js';
import type { DeletionOutcome, ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';
import { guarded, type GuardDeps } from './guard.js';
import { NO_CHANGE, type VolumeChange } from '../domain/volume-change.js';
import {
  changeApplied, hasFinalizer, parentOfSnapshot, snapshotRecordOf, volumeDataset, volumeRecordOf, volumeSettled, volumeSpecOf, wantedChange,
} from './records.js';
import { VolumeImports } from './volume-import.js';
import { AgentError, inspectVolume } from './zfs-state.js';

const CLEAR = { code: null, message: null } as const;

/** A merge patch that makes status.appliedParameters exactly `to` (keys no longer asked for are removed). */
function statusChange(from: VolumeChange, to: VolumeChange): object {
  const keys = new Set([...Object.keys(from.properties), ...Object.keys(to.properties)]);
  const properties = Object.fromEntries([...keys].map((k) => [k, to.properties[k] ?? null]));
  return { properties, quotaType: to.quotaType ?? null, thin: to.thin ?? null, foreignSnapshots: to.foreignSnapshots ?? null };
}

export class VolumeReconciler {
  private readonly guard: GuardDeps<ZfsVolume>;
  private readonly imports: VolumeImports;

  constructor(private readonly ctx: AgentContext) {
    this.guard = { zfs: ctx.zfs, events: ctx.events, cache: ctx.volumes, writer: ctx.volumeWriter, kind: 'ZfsVolume' };
    this.imports = new VolumeImports(ctx, () => ctx.mountTable());
  }

  async reconcile(name: string, signal: AbortSignal): Promise<void> {
    const v = this.ctx.volumes.get(name);
    if (!v || v.spec.nodeName !== this.ctx.node) return;
    const st = v.status ?? {};
    const parent = v.spec.parentDataset;
    if (v.metadata.deletionTimestamp) {
      return guarded(this.guard, v, parent, 'DeleteFailed', () => this.onDeleted(v, signal), signal);
    }
    if (v.spec.deletionRequested) {
      return guarded(this.guard, v, parent, 'DeleteFailed', () => this.onDeleteIntent(v, signal), signal);
    }
    // Destroyed or retired data is never brought back: a new volume gets a new ID (DESIGN.md §3.1).
    if (st.deletion === 'Destroyed' || st.deletion === 'Retired') return;
    // Lost and Unavailable change only through adoption, which looks at the whole pool (src/agent/adopt.ts).
    if (st.phase === 'Lost' || st.phase === 'Unavailable') return;
    if (st.phase === 'Failed' && st.observedGeneration === v.metadata.generation) return;
    if (volumeSettled(v) && hasFinalizer(v.metadata)) return;
    return guarded(this.guard, v, parent, 'ProvisioningFailed', () => this.ensure(v, signal), signal);
  }

  private validate(v: ZfsVolume): void {
    if (v.spec.volumeId !== v.metadata.name) {
      throw new AgentError('INVALID_ARGUMENT', `spec.volumeId ${v.spec.volumeId} differs from the name ${v.metadata.name}`);
    }
    if (!this.ctx.parents.includes(v.spec.parentDataset)) {
      throw new AgentError('INVALID_ARGUMENT', `parent ${v.spec.parentDataset} is not served on node ${this.ctx.node} (${this.ctx.parents.join(', ')})`);
    }
  }

  private async ensure(v: ZfsVolume, signal: AbortSignal): Promise<void> {
    this.validate(v);
    this.requirePresent(v.spec.parentDataset);
    if (!hasFinalizer(v.metadata)) v = await this.ctx.volumeWriter.addFinalizer(v);
    const st = v.status ?? {};
    const generation = v.metadata.generation;
    if (st.phase !== 'Ready') {
      const imported = v.spec.importDataset !== undefined;
      const record = imported
        ? await this.imports.run(v, signal)
        : await this.ctx.provisioner.createVolume(volumeSpecOf(v), await this.resolveSource(v, signal), signal);
      this.ctx.capacity.invalidate();
      if (record.retired) throw new AgentError('FAILED_PRECONDITION', `volume ${record.id} was deleted (retired) and is not re-created`);
      await this.ctx.volumeWriter.patchStatus(v, {
        phase: 'Ready', capacityBytes: record.capacityBytes.toString(), dataset: record.dataset,
        mountpoint: record.mountpoint, observedGeneration: generation, deletion: null, ...CLEAR,
        // The create already used them (volumeSpecOf): ZFS holds what the spec asks. An import set none of
        // them: update() applies them on the next pass.
        ...(v.spec.mutableParameters === undefined || imported ? {} : { appliedParameters: v.spec.mutableParameters }),
      });
      return;
    }
    await this.update(v, signal);
  }

  /**
   * A Ready volume whose spec changed: grow it (spec.requestedBytes), then set what ControllerModifyVolume
   * asked (spec.mutableParameters, all of it every time: src/provision/modify.ts), then acknowledge the
   * generation. Nothing to change on the pool (e.g. the controller withdrew an InUse deletion or a refused
   * modification) only acknowledges it.
   */
  private async update(v: ZfsVolume, signal: AbortSignal): Promise<void> {
    const st = v.status ?? {};
    const generation = v.metadata.generation;
    let record = volumeRecordOf(v, (id) => this.ctx.provisioner.mountpointOf(id));
    const requested = BigInt(v.spec.requestedBytes);
    const grown = requested > BigInt(st.capacityBytes ?? '0');
    if (grown) record = await this.ctx.provisioner.expandVolume(record, requested, signal);
    const change = wantedChange(v);
    const modified = !changeApplied(v);
    if (modified) record = await this.ctx.provisioner.modifyVolume(record, change, signal);
    await this.ctx.volumeWriter.patchStatus(v, {
      ...(grown ? { capacityBytes: record.capacityBytes.toString() } : {}),
      ...(modified ? { appliedParameters: statusChange(st.appliedParameters ?? NO_CHANGE, change) } : {}),
      observedGeneration: generation, deletion: null, ...CLEAR,
    });
  }

  /** Nothing is made in a parent that is not there: it is never created to make room (DESIGN.md §4 rule 10). */
  private requirePresent(parent: string): void {
    if (this.ctx.presence.isPresent(parent)) return;
    throw new AgentError('UNAVAILABLE', this.ctx.presence.get(parent)?.message ?? `parent dataset ${parent} has not been checked yet`);
  }

  /**
   * The source's ZFS objects, from this node's resources (the controller placed the volume beside it), or
   * for a snapshot of another node, the copy a Succeeded ZfsTransfer brought here (issue #8, restore anywhere).
   */
  private async resolveSource(v: ZfsVolume, signal: AbortSignal): Promise<ResolvedSource | undefined> {
    const source = v.spec.contentSource;
    if (!source) return undefined;
    const requested = BigInt(v.spec.requestedBytes);
    if (source.kind === 'snapshot') {
      const snap = this.ctx.snapshots.get(source.id);
      const copy = snap === undefined ? await this.copyOf(source.id, requested, signal) : undefined;
      if (copy !== undefined) return copy;
      const st = snap?.status ?? {};
      if (!snap || snap.spec.deletionRequested || st.deletion || st.phase === 'Failed' || st.phase === 'Lost') {
        throw new AgentError('NOT_FOUND', `source snapshot ${source.id} not found on node ${this.ctx.node}`);
      }
      const record = snapshotRecordOf(snap);
      if (!record || st.phase !== 'Ready') throw new AgentError('UNAVAILABLE', `source snapshot ${source.id} is not ready yet`);
      if (requested < record.sizeBytes) {
        throw new AgentError('OUT_OF_RANGE', `requested ${requested} bytes is smaller than snapshot ${source.id} (${record.sizeBytes})`);
      }
      return { kind: 'snapshot', snapshot: record };
    }
    const src = this.ctx.volumes.get(source.id);
    const st = src?.status ?? {};
    if (!src || src.spec.deletionRequested || src.metadata.deletionTimestamp || st.deletion || st.phase === 'Failed' || st.phase === 'Lost') {
      throw new AgentError('NOT_FOUND', `source volume ${source.id} not found on node ${this.ctx.node}`);
    }
    if (st.phase !== 'Ready') throw new AgentError('UNAVAILABLE', `source volume ${source.id} is not ready yet`);
    const record = volumeRecordOf(src, (id) => this.ctx.provisioner.mountpointOf(id));
    if (requested < record.capacityBytes) {
      throw new AgentError('OUT_OF_RANGE', `requested ${requested} bytes is smaller than volume ${source.id} (${record.capacityBytes})`);
    }
    return { kind: 'volume', volume: record };
  }

  /** The received copy of another node's snapshot, read from this node's pool (the resource only points at it). */
  private async copyOf(snapshotId: string, requested: bigint, signal: AbortSignal): Promise<ResolvedSource | undefined> {
    const zfsName = await this.ctx.copyOf(snapshotId);
    if (zfsName === undefined) return undefined;
    const dataset = zfsName.slice(0, zfsName.indexOf('@'));
    const view = await this.ctx.provisioner.scanDataset(parentOfSnapshot(zfsName), dataset, signal);
    const record = view.snapshots.find((s) => s.zfsName === zfsName && s.id === snapshotId);
    if (!record) throw new AgentError('NOT_FOUND', `the copy ${zfsName} of snapshot ${snapshotId} is not on node ${this.ctx.node}'s pool`);
    if (requested < record.sizeBytes) {
      throw new AgentError('OUT_OF_RANGE', `requested ${requested} bytes is smaller than snapshot ${snapshotId} (${record.sizeBytes})`);
    }
    return { kind: 'snapshot', snapshot: record };
  }

  /** CSI DeleteVolume was recorded: answer it once per generation with Destroyed, Retired or InUse. */
  private async onDeleteIntent(v: ZfsVolume, signal: AbortSignal): Promise<void> {
    const st = v.status ?? {};
    const generation = v.metadata.generation ?? 0;
    if (st.deletion !== undefined && (st.observedGeneration ?? -1) >= generation) return;
    const outcome = await this.destroy(v, signal);
    await this.ctx.volumeWriter.patchStatus(v, {
      deletion: outcome, observedGeneration: generation, ...(outcome === 'InUse' ? {} : { phase: 'Deleting' }), ...CLEAR,
    });
  }

  /** The resource is being deleted: the finalizer goes once the data is gone, or at once without intent. */
  private async onDeleted(v: ZfsVolume, signal: AbortSignal): Promise<void> {
    if (!hasFinalizer(v.metadata)) return;
    if (!v.spec.deletionRequested) {
      await this.ctx.events.warning(involvedOf('ZfsVolume', v.metadata), 'DeletedWithoutIntent',
        `ZfsVolume deleted without CSI DeleteVolume: dataset ${volumeDataset(v)} is kept, reported as drift (DESIGN.md §4 rule 7)`);
      await this.ctx.volumeWriter.removeFinalizer(v);
      this.ctx.refreshDrift();
      return;
    }
    const st = v.status ?? {};
    if (st.deletion !== 'Destroyed') {
      const outcome = await this.destroy(v, signal);
      if (outcome !== st.deletion) {
        v = await this.ctx.volumeWriter.patchStatus(v, {
          deletion: outcome, ...(outcome === 'InUse' ? {} : { phase: 'Deleting' }), ...CLEAR,
        });
      }
      // Retired data stays until a sweep destroys it; the sweep requeues this volume then.
      if (outcome === 'Retired') return;
      if (outcome === 'InUse') throw new AgentError('ABORTED', `volume ${v.metadata.name} is still published; deletion retried`);
    }
    await this.ctx.volumeWriter.removeFinalizer(v);
  }

  /** Destroys or retires the dataset (§3.1); a published one is left alone (InUse). Idempotent. */
  private async destroy(v: ZfsVolume, signal: AbortSignal): Promise<DeletionOutcome> {
    const parent = v.spec.parentDataset;
    const configured = this.ctx.parents.includes(parent);
    if (configured && v.spec.volumeId !== v.metadata.name) {
      // validate() refuses such a spec before the finalizer: this node never made it.
      this.ctx.log.warn('deletion of a volume this node never made: nothing touched', { volume: v.metadata.name, parent });
      return 'Destroyed';
    }
    if (!configured) {
      // Made here (finalizer) in a parent no longer configured: the data may well be on the pool still.
      if (!hasFinalizer(v.metadata)) return 'Destroyed';
      throw new AgentError('FAILED_PRECONDITION', `parent ${parent} is no longer configured on node ${this.ctx.node}: `
        + `dataset ${volumeDataset(v)} is kept and the finalizer stays until the parent is configured again`);
    }
    const record = await inspectVolume(this.ctx.zfs, parent, volumeDataset(v), v.spec.volumeId, signal);
    if (!record) return 'Destroyed';
    if (record.retired) return 'Retired';
    let outcome: 'destroyed' | 'retired';
    try {
      outcome = await this.ctx.provisioner.deleteVolume(record, signal);
    } catch (err) {
      if (err instanceof ProvisionError && err.code === 'FAILED_PRECONDITION') return 'InUse';
      throw err;
    }
    this.ctx.capacity.invalidate();
    // Retired: the sweep destroys it now when only foreign snapshots its policy lets go remain, and reports
    // it when they keep it (issue #10 part 3). A clone going may release a retired origin (DESIGN.md §3.1).
    if (outcome === 'retired' || record.source) await this.ctx.sweep(parent, signal);
    if (outcome === 'destroyed') return 'Destroyed';
    // The sweep may have destroyed it just now (foreignSnapshots=destroy): say what the pool holds.
    return (await inspectVolume(this.ctx.zfs, parent, record.dataset, record.id, signal)) ? 'Retired' : 'Destroyed';
  }
}

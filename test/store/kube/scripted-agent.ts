/**
 * A tiny node agent for controller tests: it answers ZfsVolumes and ZfsSnapshots through the API server the
 * way docs/kubernetes-mode.md says (finalizer first, then status; verdicts on deletionRequested; finalizer
 * removed on deletionTimestamp), with per-test scripts for failures, silence and verdicts. No ZFS involved.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ErrorCode } from '../../../src/domain/errors.js';
import { NO_CHANGE, sameChange } from '../../../src/domain/volume-change.js';
import { KubeApi, type Plural } from '../../../src/store/kube/api.js';
import { ResourceCache } from '../../../src/store/kube/cache.js';
import { decodeSnapshot, decodeVolume } from '../../../src/store/kube/decode.js';
import {
  FINALIZER, PLURAL, type DeletionOutcome, type ZfsSnapshot, type ZfsVolume,
} from '../../../src/store/kube/resources.js';

export type CreateScript = 'ready' | 'silent' | { readonly code: ErrorCode; readonly message: string };

export class ScriptedAgent {
  readonly api: KubeApi;
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  /** How new volumes / snapshots are answered. */
  volumeCreate: CreateScript = 'ready';
  snapshotCreate: CreateScript = 'ready';
  /** The verdict on a volume's deletionRequested; undefined = no answer. */
  volumeDeletion: DeletionOutcome | undefined = 'Destroyed';
  /** Expansions are answered (false: the agent never gets to them). */
  expand = true;
  /** A terminal failure for expansions instead of growing. */
  expandFailure: { readonly code: ErrorCode; readonly message: string } | undefined;
  /** Modifications (spec.mutableParameters) are answered (false: the agent never gets to them). */
  modify = true;
  /** A terminal failure for modifications instead of applying them. */
  modifyFailure: { readonly code: ErrorCode; readonly message: string } | undefined;
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private stopped = false;

  constructor(kc: KubeConfig, readonly nodeName = 'node-a') {
    this.api = new KubeApi(kc);
    this.volumes = new ResourceCache(this.api, PLURAL.volume, decodeVolume);
    this.snapshots = new ResourceCache(this.api, PLURAL.snapshot, decodeSnapshot);
  }

  async start(): Promise<void> {
    this.volumes.subscribe((name) => this.kick(`v/${name}`));
    this.snapshots.subscribe((name) => this.kick(`s/${name}`));
    await Promise.all([this.volumes.start(), this.snapshots.start()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.volumes.stop(), this.snapshots.stop()]);
  }

  /** Re-examines every object (after a test changed a script). */
  poke(): void {
    for (const v of this.volumes.list()) this.kick(`v/${v.metadata.name}`);
    for (const s of this.snapshots.list()) this.kick(`s/${s.metadata.name}`);
  }

  private kick(key: string): void {
    if (this.stopped) return;
    if (this.busy.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.busy.add(key);
    void this.run(key);
  }

  private async run(key: string): Promise<void> {
    let retry = false;
    try {
      do {
        this.dirty.delete(key);
        const name = key.slice(2);
        if (key.startsWith('v/')) await this.reconcileVolume(this.volumes.get(name));
        else await this.reconcileSnapshot(this.snapshots.get(name));
      } while (this.dirty.has(key));
    } catch {
      retry = true; // a conflict or an injected fault: look again shortly
    } finally {
      this.busy.delete(key);
    }
    if (retry) setTimeout(() => this.kick(key), 20).unref();
  }

  private async ensureFinalizer(plural: Plural, o: ZfsVolume | ZfsSnapshot): Promise<boolean> {
    const list = o.metadata.finalizers ?? [];
    if (list.includes(FINALIZER)) return true;
    await this.api.patch(plural, o.metadata.name, {
      metadata: { finalizers: [...list, FINALIZER], resourceVersion: o.metadata.resourceVersion },
    });
    return false;
  }

  private async dropFinalizer(plural: Plural, o: ZfsVolume | ZfsSnapshot): Promise<void> {
    const list = o.metadata.finalizers ?? [];
    if (!list.includes(FINALIZER)) return;
    await this.api.patch(plural, o.metadata.name, {
      metadata: { finalizers: list.filter((f) => f !== FINALIZER), resourceVersion: o.metadata.resourceVersion },
    });
  }

  private async reconcileVolume(v: ZfsVolume | undefined): Promise<void> {
    if (v === undefined || v.spec.nodeName !== this.nodeName) return;
    const gen = v.metadata.generation ?? 0;
    const st = v.status ?? {};
    if (v.metadata.deletionTimestamp !== undefined) {
      // Retired data stays (finalizer kept) until a sweep; everything else lets the object go.
      if (st.deletion !== 'Retired') await this.dropFinalizer(PLURAL.volume, v);
      return;
    }
    if (v.spec.deletionRequested === true) {
      if (this.volumeDeletion === undefined || (st.deletion !== undefined && (st.observedGeneration ?? 0) >= gen)) return;
      const message = this.volumeDeletion === 'InUse' ? 'published on node-a' : 'done';
      await this.api.patchStatus(PLURAL.volume, v.metadata.name, { deletion: this.volumeDeletion, observedGeneration: gen, message });
      return;
    }
    if (st.phase === 'Failed' || st.phase === 'Lost' || st.phase === 'Unavailable') return;
    const script = this.volumeCreate;
    if (script === 'silent' && st.phase !== 'Ready') return;
    if (!(await this.ensureFinalizer(PLURAL.volume, v))) return;
    if (typeof script === 'object' && st.phase !== 'Ready') {
      await this.api.patchStatus(PLURAL.volume, v.metadata.name, { phase: 'Failed', code: script.code, message: script.message, observedGeneration: gen });
      return;
    }
    await this.answerReady(v, gen);
  }

  private async answerReady(v: ZfsVolume, gen: number): Promise<void> {
    const st = v.status ?? {};
    if (st.phase === 'Ready' && (st.observedGeneration ?? 0) >= gen) return;
    const growing = st.phase === 'Ready' && BigInt(st.capacityBytes ?? '0') < BigInt(v.spec.requestedBytes);
    if (growing && !this.expand) return;
    if (growing && this.expandFailure) {
      await this.api.patchStatus(PLURAL.volume, v.metadata.name, { ...this.expandFailure, observedGeneration: gen });
      return;
    }
    const wanted = v.spec.mutableParameters;
    const modifying = st.phase === 'Ready' && wanted !== undefined && !sameChange(wanted, st.appliedParameters ?? NO_CHANGE);
    if (modifying && !this.modify) return;
    if (modifying && this.modifyFailure) {
      await this.api.patchStatus(PLURAL.volume, v.metadata.name, { ...this.modifyFailure, observedGeneration: gen });
      return;
    }
    await this.api.patchStatus(PLURAL.volume, v.metadata.name, {
      phase: 'Ready', code: null, message: null, deletion: null, observedGeneration: gen,
      capacityBytes: v.spec.requestedBytes, usedBytes: '24576',
      dataset: `${v.spec.parentDataset}/${v.spec.volumeId}`, mountpoint: `/var/lib/zfs-csi/mounts/${v.spec.volumeId}`,
      ...(wanted === undefined ? {} : { appliedParameters: wanted }),
    });
  }

  private async reconcileSnapshot(s: ZfsSnapshot | undefined): Promise<void> {
    if (s === undefined || s.spec.nodeName !== this.nodeName) return;
    const gen = s.metadata.generation ?? 0;
    const st = s.status ?? {};
    if (s.metadata.deletionTimestamp !== undefined) return this.dropFinalizer(PLURAL.snapshot, s);
    if (s.spec.deletionRequested === true) {
      if (st.deletion === 'Destroyed') return;
      await this.api.patchStatus(PLURAL.snapshot, s.metadata.name, { deletion: 'Destroyed', observedGeneration: gen });
      return;
    }
    if (st.readyToUse === true || st.phase === 'Failed' || this.snapshotCreate === 'silent') return;
    if (!(await this.ensureFinalizer(PLURAL.snapshot, s))) return;
    const script = this.snapshotCreate;
    if (typeof script === 'object') {
      await this.api.patchStatus(PLURAL.snapshot, s.metadata.name, { phase: 'Failed', code: script.code, message: script.message, observedGeneration: gen });
      return;
    }
    const source = this.volumes.get(s.spec.sourceVolumeId);
    await this.api.patchStatus(PLURAL.snapshot, s.metadata.name, {
      phase: 'Ready', readyToUse: true, observedGeneration: gen, creationTime: '2024-05-01T10:20:30.000Z',
      sizeBytes: source?.status?.capacityBytes ?? '0',
      zfsName: `${source?.spec.parentDataset ?? 'tank/csi'}/${s.spec.sourceVolumeId}@${s.spec.snapshotId}`,
    });
  }
}

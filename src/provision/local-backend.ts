import type { VolumeBackend } from '../domain/backend.js';
import type { VolumeState } from '../domain/health.js';
import type { CapacityReport, SnapshotRecord, SnapshotSpec, VolumeRecord, VolumeSpec } from '../domain/types.js';
import type { VolumeChange } from '../domain/volume-change.js';
import type { MemoryStore } from '../store/memory-store.js';
import { CapacityCache } from './capacity.js';
import { ProvisionError } from './errors.js';
import type { ForeignHold } from './foreign.js';
import { HeldReport } from './held-report.js';
import type { Provisioner, ResolvedSource } from './provisioner.js';

export interface LocalBackendDeps {
  readonly provisioner: Provisioner;
  readonly store: MemoryStore;
  readonly capacity: CapacityCache;
  readonly node: string;
  /** False until the start-up scan has filled the store: until then every call is UNAVAILABLE. */
  readonly loaded: () => boolean;
  /** Health of the pools behind the parents: Probe is ready only when every one is imported. */
  readonly poolsReady: () => Promise<boolean>;
  /** Health and publications of volumes (volume-health.ts: zpool, zfs get, the mount table). */
  readonly volumeStates: (records: readonly VolumeRecord[], signal: AbortSignal) => Promise<VolumeState[]>;
  /**
   * After each sweep: the retired volumes held by foreign snapshots that are news (held-report.ts), and all
   * of them on every parent (issue #10 part 3: log and metric).
   */
  readonly onHeld?: (news: readonly ForeignHold[], all: readonly ForeignHold[]) => void;
}

/**
 * Standalone mode's VolumeBackend: the controller's requests run in-process on this node's provisioner, and
 * the records live in a MemoryStore rebuilt from the pool at start (DESIGN.md §2).
 */
export class LocalBackend implements VolumeBackend {
  readonly #held = new HeldReport();

  constructor(private readonly deps: LocalBackendDeps) {}

  private get store(): MemoryStore {
    if (!this.deps.loaded()) throw new ProvisionError('UNAVAILABLE', 'volume state is still being loaded from the pool');
    return this.deps.store;
  }

  async getVolume(id: string): Promise<VolumeRecord | undefined> {
    const v = this.store.volume(id);
    return v && !v.retired ? v : undefined;
  }

  async findVolumeByName(name: string): Promise<VolumeRecord | undefined> {
    return this.store.volumeByName(name);
  }

  async listVolumes(): Promise<readonly VolumeRecord[]> {
    return this.store.allVolumes().filter((v) => !v.retired);
  }

  async volumeStates(records: readonly VolumeRecord[], signal: AbortSignal): Promise<readonly VolumeState[]> {
    return this.deps.volumeStates(records, signal);
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    return this.store.snapshot(id);
  }

  async findSnapshotByName(name: string): Promise<SnapshotRecord | undefined> {
    return this.store.snapshotByName(name);
  }

  async listSnapshots(): Promise<readonly SnapshotRecord[]> {
    return this.store.allSnapshots();
  }

  async createVolume(spec: VolumeSpec, signal: AbortSignal): Promise<VolumeRecord> {
    const existing = this.store.volume(spec.id);
    if (existing) return existing;
    const record = await this.deps.provisioner.createVolume(spec, this.resolve(spec), signal);
    this.store.putVolume(record);
    // The capacity cache is left to its short TTL: re-reading the parent after every create doubled the
    // zfs work of CreateVolume (DESIGN.md §7 ratio), and a thick volume's reservation is enforced by ZFS itself.
    return record;
  }

  private resolve(spec: VolumeSpec): ResolvedSource | undefined {
    const source = spec.source;
    if (!source) return undefined;
    if (source.kind === 'snapshot') {
      const snapshot = this.store.snapshot(source.snapshotId);
      if (!snapshot) throw new ProvisionError('NOT_FOUND', `snapshot ${source.snapshotId} not found`);
      return { kind: 'snapshot', snapshot };
    }
    const volume = this.store.volume(source.volumeId);
    if (!volume || volume.retired) throw new ProvisionError('NOT_FOUND', `volume ${source.volumeId} not found`);
    return { kind: 'volume', volume };
  }

  async deleteVolume(id: string, signal: AbortSignal): Promise<void> {
    const record = this.store.volume(id);
    if (!record || record.retired) return; // gone or already retired: deleted as far as the CO is concerned
    const outcome = await this.deps.provisioner.deleteVolume(record, signal);
    if (outcome === 'destroyed') this.store.removeVolume(id);
    else this.store.putVolume({ ...record, retired: true });
    this.deps.capacity.invalidate();
    // Retired: the sweep destroys it at once when only foreign snapshots its policy lets go remain, and
    // reports it when they keep it (issue #10 part 3); a clone destroyed may have freed a retired origin.
    if (outcome === 'retired' || this.originRetired(record)) await this.sweep(record.parent, signal);
  }

  /** True when the volume was cloned from data of a retired volume, which its destruction may have freed. */
  private originRetired(record: VolumeRecord): boolean {
    const source = record.source;
    if (!source) return false;
    const originId = source.kind === 'volume' ? source.volumeId : this.store.snapshot(source.snapshotId)?.sourceVolumeId;
    // An origin snapshot already deleted (deferred) is not in the store: look at every retired volume then.
    if (originId === undefined) return this.store.allVolumes().some((v) => v.retired);
    return this.store.volume(originId)?.retired ?? false;
  }

  async expandVolume(id: string, bytes: bigint, signal: AbortSignal): Promise<VolumeRecord> {
    const record = await this.getVolume(id);
    if (!record) throw new ProvisionError('NOT_FOUND', `volume ${id} not found`);
    const updated = await this.deps.provisioner.expandVolume(record, bytes, signal);
    this.store.putVolume(updated);
    return updated;
  }

  async modifyVolume(id: string, change: VolumeChange, signal: AbortSignal): Promise<VolumeRecord> {
    const record = await this.getVolume(id);
    if (!record) throw new ProvisionError('NOT_FOUND', `volume ${id} not found`);
    let updated: VolumeRecord;
    try {
      updated = await this.deps.provisioner.modifyVolume(record, change, signal);
    } catch (err) {
      await this.reload(record, signal);
      throw err;
    }
    this.store.putVolume(updated);
    return updated;
  }

  /** After a failed modification the record on the pool may differ from the store's: the pool wins. */
  private async reload(record: VolumeRecord, signal: AbortSignal): Promise<void> {
    try {
      const view = await this.deps.provisioner.scanDataset(record.parent, record.dataset, signal);
      const fresh = view.volumes.find((v) => v.id === record.id);
      if (fresh) this.store.putVolume(fresh);
    } catch {
      // The caller's error is the answer; the store is rebuilt from the pool at the next start in any case.
    }
  }

  async createSnapshot(spec: SnapshotSpec, signal: AbortSignal): Promise<SnapshotRecord> {
    const existing = this.store.snapshot(spec.id);
    if (existing) return existing;
    const source = await this.getVolume(spec.sourceVolumeId);
    if (!source) throw new ProvisionError('NOT_FOUND', `volume ${spec.sourceVolumeId} not found`);
    const record = await this.deps.provisioner.createSnapshot(spec, source, signal);
    this.store.putSnapshot(record);
    return record;
  }

  async deleteSnapshot(id: string, signal: AbortSignal): Promise<void> {
    const record = this.store.snapshot(id);
    if (!record) return;
    await this.deps.provisioner.deleteSnapshot(record, signal);
    this.store.removeSnapshot(id);
    const volume = this.store.volume(record.sourceVolumeId);
    if (volume?.retired) await this.sweep(volume.parent, signal);
  }

  /** Destroys retired data nothing needs any more and drops it from the store. */
  async sweep(parent: string, signal?: AbortSignal): Promise<void> {
    const result = await this.deps.provisioner.sweeper.sweep(parent, signal);
    for (const id of result.destroyedVolumes) this.store.removeVolume(id);
    if (result.destroyedVolumes.length > 0) this.deps.capacity.invalidate();
    this.deps.onHeld?.(this.#held.changed(parent, result.held), this.deps.provisioner.sweeper.held());
  }

  /** Retired volumes held by foreign snapshots, as of each parent's last sweep. */
  heldByForeign(): readonly ForeignHold[] {
    return this.deps.provisioner.sweeper.held();
  }

  async capacity(node: string | undefined, signal: AbortSignal): Promise<readonly CapacityReport[]> {
    if (node !== undefined && node !== this.deps.node) return [];
    return this.deps.capacity.get(signal);
  }

  async nodes(): Promise<readonly string[]> {
    return [this.deps.node];
  }

  async ready(): Promise<boolean> {
    return this.deps.loaded() && (await this.deps.poolsReady());
  }
}

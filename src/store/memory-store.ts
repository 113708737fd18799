import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';

/**
 * Volume and snapshot records held in memory, indexed by ID and by CO name. Standalone mode fills it from the
 * start-up scan of the pool and keeps it in step with every change it makes; the pool stays the truth.
 * Retired volumes stay here (their snapshots still resolve through them) but are never found by name.
 */
export class MemoryStore {
  private readonly volumes = new Map<string, VolumeRecord>();
  private readonly snapshots = new Map<string, SnapshotRecord>();

  replaceAll(volumes: readonly VolumeRecord[], snapshots: readonly SnapshotRecord[]): void {
    this.volumes.clear();
    this.snapshots.clear();
    for (const v of volumes) this.volumes.set(v.id, v);
    for (const s of snapshots) this.snapshots.set(s.id, s);
  }

  putVolume(record: VolumeRecord): void {
    this.volumes.set(record.id, record);
  }

  removeVolume(id: string): void {
    this.volumes.delete(id);
  }

  putSnapshot(record: SnapshotRecord): void {
    this.snapshots.set(record.id, record);
  }

  removeSnapshot(id: string): void {
    this.snapshots.delete(id);
  }

  /** Any volume with this ID, retired or not. */
  volume(id: string): VolumeRecord | undefined {
    return this.volumes.get(id);
  }

  snapshot(id: string): SnapshotRecord | undefined {
    return this.snapshots.get(id);
  }

  /** The live (not retired) volume the CO created under this name. */
  volumeByName(name: string): VolumeRecord | undefined {
    for (const v of this.volumes.values()) if (!v.retired && v.name === name) return v;
    return undefined;
  }

  snapshotByName(name: string): SnapshotRecord | undefined {
    for (const s of this.snapshots.values()) if (s.name === name) return s;
    return undefined;
  }

  /** Every volume, retired included, sorted by ID. */
  allVolumes(): VolumeRecord[] {
    return [...this.volumes.values()].sort(byId);
  }

  allSnapshots(): SnapshotRecord[] {
    return [...this.snapshots.values()].sort(byId);
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

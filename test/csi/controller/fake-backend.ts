import winston from 'winston';
import type { VolumeBackend } from '../../../src/domain/backend.js';
import type { VolumeState } from '../../../src/domain/health.js';
import type {
  CapacityReport,
  SnapshotRecord,
  SnapshotSpec,
  VolumeRecord,
  VolumeSpec,
} from '../../../src/domain/types.js';
import type { CallContext } from '../../../src/grpc/handler.js';
import { withChange, type VolumeChange } from '../../../src/domain/volume-change.js';

/** One call the controller made, for "the backend was (not) touched" assertions. */
export interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** An in-memory VolumeBackend: records every call, keeps volumes and snapshots in maps. */
export class FakeBackend implements VolumeBackend {
  readonly calls: Call[] = [];
  readonly volumes = new Map<string, VolumeRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  nodeNames: string[] = ['node-a', 'node-b'];
  reports: CapacityReport[] = [
    { node: 'node-a', parent: 'tank/csi', availableBytes: 100n << 30n, retiredBytes: 0n },
    { node: 'node-b', parent: 'pool2/csi', availableBytes: 50n << 30n, retiredBytes: 0n },
  ];
  now = new Date('2024-05-01T10:20:30.123Z');
  /** volumeStates' answer per volume id; absent → normal, published nowhere. */
  readonly states = new Map<string, VolumeState>();

  private log(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  /** Adds a volume as if created earlier. */
  addVolume(spec: Omit<VolumeSpec, 'params'> & { params?: VolumeSpec['params'] }): VolumeRecord {
    const record = toRecord({ params: { properties: {}, quotaType: 'refquota', thin: true }, ...spec });
    this.volumes.set(record.id, record);
    return record;
  }

  addSnapshot(spec: SnapshotSpec, sizeBytes: bigint, parent = 'tank/csi'): SnapshotRecord {
    const record: SnapshotRecord = {
      ...spec,
      zfsName: `${parent}/${spec.sourceVolumeId}@${spec.id}`,
      creationTime: this.now,
      sizeBytes,
      readyToUse: true,
    };
    this.snapshots.set(record.id, record);
    return record;
  }

  getVolume(id: string): Promise<VolumeRecord | undefined> {
    this.log('getVolume', id);
    return Promise.resolve(this.volumes.get(id));
  }
  findVolumeByName(name: string): Promise<VolumeRecord | undefined> {
    this.log('findVolumeByName', name);
    return Promise.resolve([...this.volumes.values()].find((v) => v.name === name));
  }
  listVolumes(): Promise<readonly VolumeRecord[]> {
    this.log('listVolumes');
    return Promise.resolve([...this.volumes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
  }
  volumeStates(records: readonly VolumeRecord[]): Promise<readonly VolumeState[]> {
    this.log('volumeStates', records.map((r) => r.id));
    const normal: VolumeState = { condition: { abnormal: false, message: 'volume is healthy' }, publishedNodes: [] };
    return Promise.resolve(records.map((r) => this.states.get(r.id) ?? normal));
  }
  getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    this.log('getSnapshot', id);
    return Promise.resolve(this.snapshots.get(id));
  }
  findSnapshotByName(name: string): Promise<SnapshotRecord | undefined> {
    this.log('findSnapshotByName', name);
    return Promise.resolve([...this.snapshots.values()].find((s) => s.name === name));
  }
  listSnapshots(): Promise<readonly SnapshotRecord[]> {
    this.log('listSnapshots');
    return Promise.resolve([...this.snapshots.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
  }
  createVolume(spec: VolumeSpec): Promise<VolumeRecord> {
    this.log('createVolume', spec);
    const record = this.volumes.get(spec.id) ?? toRecord(spec);
    this.volumes.set(record.id, record);
    return Promise.resolve(record);
  }
  deleteVolume(id: string): Promise<void> {
    this.log('deleteVolume', id);
    this.volumes.delete(id);
    return Promise.resolve();
  }
  expandVolume(id: string, bytes: bigint): Promise<VolumeRecord> {
    this.log('expandVolume', id, bytes);
    const v = this.volumes.get(id);
    if (!v) throw new Error(`fake: no volume ${id}`);
    const updated = { ...v, capacityBytes: bytes };
    this.volumes.set(id, updated);
    return Promise.resolve(updated);
  }
  modifyVolume(id: string, change: VolumeChange): Promise<VolumeRecord> {
    this.log('modifyVolume', id, change);
    const v = this.volumes.get(id);
    if (!v) throw new Error(`fake: no volume ${id}`);
    const updated = { ...v, params: withChange(v.params, change) };
    this.volumes.set(id, updated);
    return Promise.resolve(updated);
  }
  createSnapshot(spec: SnapshotSpec): Promise<SnapshotRecord> {
    this.log('createSnapshot', spec);
    const source = this.volumes.get(spec.sourceVolumeId);
    if (!source) throw new Error(`fake: no volume ${spec.sourceVolumeId}`);
    return Promise.resolve(this.addSnapshot(spec, source.capacityBytes, source.parent));
  }
  deleteSnapshot(id: string): Promise<void> {
    this.log('deleteSnapshot', id);
    this.snapshots.delete(id);
    return Promise.resolve();
  }
  capacity(node: string | undefined): Promise<readonly CapacityReport[]> {
    this.log('capacity', node);
    return Promise.resolve(this.reports.filter((r) => node === undefined || r.node === node));
  }
  nodes(): Promise<readonly string[]> {
    this.log('nodes');
    return Promise.resolve(this.nodeNames);
  }
  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

function toRecord(spec: VolumeSpec): VolumeRecord {
  return {
    ...spec,
    dataset: `${spec.parent}/${spec.id}`,
    mountpoint: `/var/lib/zfs-csi/mounts/${spec.id}`,
    retired: false,
    usedBytes: 0n,
  };
}

const silent = winston.createLogger({ silent: true });

export function callContext(): CallContext {
  return { signal: new AbortController().signal, log: silent, requestId: 'test', deadline: undefined };
}

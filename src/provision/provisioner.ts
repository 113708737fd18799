import type { SnapshotRecord, SnapshotSpec, VolumeRecord, VolumeSpec } from '../domain/types.js';
import type { VolumeChange } from '../domain/volume-change.js';
import { ZfsError } from '../zfs/errors.js';
import { onExisting } from './reachable.js';
import type { Zfs } from '../zfs/zfs.js';
import { expandProps, helperProps, helperSnapshotName, snapshotProps, volumeProps } from './build.js';
import { decodePool, decodeSnapshot, decodeVolume, type PoolView } from './decode.js';
import { ProvisionError } from './errors.js';
import { modifyDataset } from './modify.js';
import { P, SCAN_PROPS } from './props.js';
import { Sweeper } from './sweeper.js';

export interface ProvisionerDeps {
  readonly zfs: Zfs;
  /** Targets where a dataset mountpoint is bind-mounted (a published volume is never deleted). */
  readonly bindsOf: (mountpoint: string) => Promise<readonly string[]>;
  /** Datasets mount at `${mountRoot}/${volumeId}` (DESIGN.md §3.1). */
  readonly mountRoot: string;
  readonly clock?: () => Date;
}

/** Where a new volume's data comes from, resolved to ZFS objects by the caller. */
export type ResolvedSource =
  | { readonly kind: 'snapshot'; readonly snapshot: SnapshotRecord }
  | { readonly kind: 'volume'; readonly volume: VolumeRecord };

/**
 * The one piece of ZFS-facing logic both modes use: "make ZFS match this spec", idempotent and safe to repeat
 * after any crash (DESIGN.md §2). Every object it makes carries its record in user properties, written by the
 * same command that makes it, so a crash leaves either nothing or a complete object.
 */
export class Provisioner {
  private readonly clock: () => Date;
  readonly sweeper: Sweeper;
  private readonly cloning = new Set<string>();

  constructor(private readonly deps: ProvisionerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.sweeper = new Sweeper(deps.zfs, (parent, signal) => this.scan(parent, signal), this.cloning);
  }

  /** Where every volume is mounted: an import moves its dataset's mountpoint here (docs/import.md). */
  get mountRoot(): string {
    return this.deps.mountRoot;
  }

  mountpointOf(volumeId: string): string {
    return `${this.deps.mountRoot}/${volumeId}`;
  }

  /** One `zfs get -r` of the parent: every record under it (start-up rebuild, sweeps, drift reports). */
  async scan(parent: string, signal?: AbortSignal): Promise<PoolView> {
    const infos = await this.deps.zfs.get([parent], SCAN_PROPS, { recursive: true }, signal);
    return decodePool(parent, infos);
  }

  /** The records of one dataset and its snapshots (a received copy joining the store, issue #8). */
  async scanDataset(parent: string, dataset: string, signal?: AbortSignal): Promise<PoolView> {
    const infos = await this.deps.zfs.get([dataset], SCAN_PROPS, { recursive: true }, signal);
    return decodePool(parent, infos);
  }

  async createVolume(spec: VolumeSpec, source: ResolvedSource | undefined, signal: AbortSignal): Promise<VolumeRecord> {
    const dataset = `${spec.parent}/${spec.id}`;
    const mountpoint = this.mountpointOf(spec.id);
    const props = volumeProps(spec, mountpoint);
    try {
      if (!source) await this.deps.zfs.create(dataset, props, signal);
      else if (source.kind === 'snapshot') await onExisting(this.deps.zfs, spec.parent, () => this.deps.zfs.clone(source.snapshot.zfsName, dataset, props, signal), signal);
      else await onExisting(this.deps.zfs, spec.parent, () => this.cloneVolume(source.volume, dataset, spec.id, props, signal), signal);
    } catch (err) {
      // A retry after a crash finds the complete object made by the first attempt (props set atomically).
      if (!(err instanceof ZfsError && err.kind === 'exists')) throw err;
      return this.readVolume(dataset, spec.id, signal);
    }
    return { ...spec, dataset, mountpoint, retired: false, usedBytes: 0n };
  }

  /** Volume from volume: a hidden helper snapshot, the clone, then the helper marked for deferred destroy. */
  private async cloneVolume(
    src: VolumeRecord,
    dataset: string,
    id: string,
    props: Record<string, string>,
    signal: AbortSignal,
  ): Promise<void> {
    const helper = helperSnapshotName(src.dataset, id);
    this.cloning.add(id);
    try {
      await ignoreKind('exists', this.deps.zfs.snapshot(helper, helperProps(id), signal));
      await this.deps.zfs.clone(helper, dataset, props, signal);
      // ZFS removes a deferred snapshot together with its last clone, so the helper goes when the clone goes.
      await ignoreKind('not_found', this.deps.zfs.destroy(helper, { defer: true }, signal));
    } finally {
      this.cloning.delete(id);
    }
  }

  private async readVolume(dataset: string, id: string, signal: AbortSignal): Promise<VolumeRecord> {
    const [info] = await this.deps.zfs.get([dataset], SCAN_PROPS, {}, signal);
    const record = info && info.props.get(P.managed) === 'true' ? decodeVolume(info) : undefined;
    if (!record || record.id !== id) {
      throw new ProvisionError('ALREADY_EXISTS', `${dataset} exists and is not the volume ${id} this driver made`);
    }
    return record;
  }

  async expandVolume(record: VolumeRecord, bytes: bigint, signal: AbortSignal): Promise<VolumeRecord> {
    await onExisting(this.deps.zfs, record.parent, () => this.deps.zfs.set(record.dataset, expandProps(record, bytes), signal), signal);
    return { ...record, capacityBytes: bytes };
  }

  /** ControllerModifyVolume: `zfs set` of the mutable parameters with the record (src/provision/modify.ts). */
  async modifyVolume(record: VolumeRecord, change: VolumeChange, signal: AbortSignal): Promise<VolumeRecord> {
    return modifyDataset(this.deps.zfs, record, change, signal);
  }

  async createSnapshot(spec: SnapshotSpec, source: VolumeRecord, signal: AbortSignal): Promise<SnapshotRecord> {
    const zfsName = `${source.dataset}@${spec.id}`;
    const created = this.clock();
    try {
      await onExisting(this.deps.zfs, source.parent, () => this.deps.zfs.snapshot(zfsName, snapshotProps(spec, source, created), signal), signal);
    } catch (err) {
      if (!(err instanceof ZfsError && err.kind === 'exists')) throw err;
      const [info] = await this.deps.zfs.get([zfsName], SCAN_PROPS, {}, signal);
      const record = info && info.props.get(P.managed) === 'true' ? decodeSnapshot(info) : undefined;
      if (!record || record.id !== spec.id) throw new ProvisionError('ALREADY_EXISTS', `${zfsName} exists`);
      return record;
    }
    return { ...spec, zfsName, creationTime: created, sizeBytes: source.capacityBytes, readyToUse: true };
  }

  /**
   * Destroys the volume, or retires it when snapshots (and so maybe clones) still need its data (§3.1).
   * A published volume is FAILED_PRECONDITION and untouched. Callers sweep afterwards when the volume was a
   * clone of a retired volume: destroying it may have released that volume's last snapshot.
   */
  async deleteVolume(record: VolumeRecord, signal: AbortSignal): Promise<'destroyed' | 'retired'> {
    const binds = await this.deps.bindsOf(record.mountpoint);
    if (binds.length > 0) {
      throw new ProvisionError('FAILED_PRECONDITION', `volume ${record.id} is in use: published at ${binds.length} target(s)`);
    }
    // No snapshot check first (it cost a second zfs process, issue #9): `zfs destroy` without -r refuses
    // a dataset that has snapshots ("has children"), and that refusal is the signal to retire instead.
    // Gone already, with pool and parent present: deleted as far as the CO is concerned.
    try {
      await onExisting(this.deps.zfs, record.parent, () => this.deps.zfs.destroy(record.dataset, {}, signal), signal, () => undefined);
      return 'destroyed';
    } catch (err) {
      if (!(err instanceof ZfsError && err.kind === 'dependents')) throw err;
    }
    await this.retire(record, signal);
    return 'retired';
  }

  /** Hidden from the CO first (crash-safe order), then unmounted and kept from mounting again. */
  private async retire(record: VolumeRecord, signal: AbortSignal): Promise<void> {
    if (!record.retired) await this.deps.zfs.set(record.dataset, { [P.retired]: this.clock().toISOString() }, signal);
    // canmount=off unmounts as well (zfs-fuse and OpenZFS); the check guards an implementation that does not.
    await this.deps.zfs.set(record.dataset, { canmount: 'off' }, signal);
    const [info] = await this.deps.zfs.get([record.dataset], ['mounted'], {}, signal);
    if (info?.props.get('mounted') === 'yes') await this.deps.zfs.unmount(record.dataset, signal);
  }

  /**
   * Destroys the snapshot, deferred when clones still depend on it (one `zfs destroy -d` does both).
   * Callers sweep afterwards when the snapshot's volume is retired: it may hold nothing else now.
   */
  async deleteSnapshot(record: SnapshotRecord, signal: AbortSignal): Promise<void> {
    const dataset = record.zfsName.slice(0, record.zfsName.indexOf('@'));
    const parent = dataset.slice(0, dataset.lastIndexOf('/'));
    await onExisting(this.deps.zfs, parent, () => this.deps.zfs.destroy(record.zfsName, { defer: true }, signal), signal, () => undefined);
  }
}

/** Awaits p, treating a ZfsError of the given kind as success (the state the call wanted already holds). */
export async function ignoreKind(kind: ZfsError['kind'], p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ZfsError && err.kind === kind)) throw err;
  }
}

/**
 * Domain values shared by the CSI services, the provisioner, the stores and the agent.
 * Sizes are bigint everywhere inside the program (CSI int64 arrives as a string from proto-loader).
 */

/** Where a new volume's data comes from (CSI VolumeContentSource). */
export type ContentSource =
  | { readonly kind: 'snapshot'; readonly snapshotId: string }
  | { readonly kind: 'volume'; readonly volumeId: string };

export type QuotaType = 'refquota' | 'quota';

/**
 * What DeleteVolume and the sweep do with snapshots the driver did not make (sanoid, zfs-auto-snapshot, an
 * operator's `zfs snapshot`) on a deleted volume (issue #10 part 3, docs/snapshots.md): keep them (the volume
 * stays retired and is reported as held by them), or destroy them with the volume.
 */
export type ForeignSnapshotPolicy = 'keep' | 'destroy';

/** Never destroy what the driver did not make unless the StorageClass says so. */
export const DEFAULT_FOREIGN_SNAPSHOTS: ForeignSnapshotPolicy = 'keep';

/** Validated StorageClass parameters (csi/params.ts is the only producer). */
export interface VolumeParams {
  /** Allow-listed native ZFS properties, values already checked against their grammar. */
  readonly properties: Readonly<Record<string, string>>;
  readonly quotaType: QuotaType;
  /** false: space guaranteed up front (refreservation = size with refquota, reservation = size with quota). */
  readonly thin: boolean;
  /** Parent dataset chosen by the StorageClass (`parentDataset`); undefined = the node's first parent. */
  readonly parentDataset?: string;
  /** StorageClass `foreignSnapshots`; absent = DEFAULT_FOREIGN_SNAPSHOTS (records made before it existed). */
  readonly foreignSnapshots?: ForeignSnapshotPolicy;
}

export const foreignPolicyOf = (params: VolumeParams): ForeignSnapshotPolicy =>
  params.foreignSnapshots ?? DEFAULT_FOREIGN_SNAPSHOTS;

/** What the CO asked for, with the ID and placement the controller decided. */
export interface VolumeSpec {
  readonly id: string;
  /** The CO's name (CSI CreateVolumeRequest.name); stored in a user property, never in a dataset name. */
  readonly name: string;
  readonly node: string;
  /** Parent dataset the volume lives under (e.g. tank/csi). */
  readonly parent: string;
  readonly capacityBytes: bigint;
  readonly source?: ContentSource;
  readonly params: VolumeParams;
}

export interface VolumeRecord extends VolumeSpec {
  /** `${parent}/${id}`, or the name an imported dataset kept (docs/import.md). */
  readonly dataset: string;
  /** Where the dataset is mounted by ZFS (`${mountRoot}/${id}`); pods get bind mounts of it. */
  readonly mountpoint: string;
  /** Set when DeleteVolume retired the volume because snapshots or clones still need its data (§3.1). */
  readonly retired: boolean;
  /** Bytes the dataset uses (for retired data accounting); 0n when unknown. */
  readonly usedBytes: bigint;
  /**
   * A copy received from this node's peer (issue #8): the source node's ID. A replica is kept retired (never
   * listed, published or mounted); its snapshots are restorable here, and it goes when its last one goes.
   */
  readonly replicaOf?: string;
}

export interface SnapshotSpec {
  readonly id: string;
  /** The CO's name (CSI CreateSnapshotRequest.name). */
  readonly name: string;
  readonly sourceVolumeId: string;
  readonly node: string;
}

export interface SnapshotRecord extends SnapshotSpec {
  /** Full ZFS snapshot name `${parent}/${sourceVolumeId}@${id}`. */
  readonly zfsName: string;
  readonly creationTime: Date;
  /** Size of the source volume when the snapshot was taken: the minimum size of a restore. */
  readonly sizeBytes: bigint;
  readonly readyToUse: boolean;
}

/** Capacity of one parent dataset on one node. */
export interface CapacityReport {
  readonly node: string;
  readonly parent: string;
  readonly availableBytes: bigint;
  /** Bytes held by retired volumes (deleted by the CO, kept for their snapshots/clones). */
  readonly retiredBytes: bigint;
}

/** Segment key that names the node in CSI topology. */
export const TOPOLOGY_NODE_KEY = 'zfs.csi.dev/node';

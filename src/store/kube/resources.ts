/**
 * The custom resources of Kubernetes mode (DESIGN.md §1, §2): names, shapes and decoders.
 * Objects are cluster-scoped; a volume's resource is named by its volume ID, a snapshot's by its snapshot ID
 * (both are valid DNS-1123 names by construction, src/csi/ids.ts). int64 byte counts travel as decimal strings:
 * JSON numbers lose precision above 2^53.
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { ForeignSnapshotPolicy, VolumeParams } from '../../domain/types.js';
import type { VolumeChange } from '../../domain/volume-change.js';
import type { API_VERSION, Condition, ObjectMeta } from './resources-meta.js';
import type { ZfsReplication, ZfsTransfer } from './resources-transfer.js';

export { API_VERSION, GROUP, VERSION, type Condition, type ObjectMeta } from './resources-meta.js';
export type * from './resources-transfer.js';

export const PLURAL = {
  volume: 'zfsvolumes', snapshot: 'zfssnapshots', node: 'zfsnodes', transfer: 'zfstransfers', replication: 'zfsreplications',
} as const;
export const KIND = { volume: 'ZfsVolume', snapshot: 'ZfsSnapshot', node: 'ZfsNode', transfer: 'ZfsTransfer', replication: 'ZfsReplication' } as const;
/** Held by the agent from before it creates a dataset until the dataset is proven gone (§4 rule 7). */
export const FINALIZER = 'zfs.csi.dev/dataset';
/** Held by the controller on a ZfsReplication until its round's snapshots are dealt with (deletePolicy). */
export const REPLICATION_FINALIZER = 'zfs.csi.dev/replication';
/** The owning node, as a label so agents can watch only their own objects with a label selector. */
export const NODE_LABEL = 'zfs.csi.dev/node';
/** A ZfsTransfer's receiving node, so its agent watches the transfers it must authorise (issue #8). */
export const TARGET_NODE_LABEL = 'zfs.csi.dev/target-node';
/** A ZfsTransfer's snapshot, so DeleteSnapshot finds the copies it must remove with it. */
export const SNAPSHOT_LABEL = 'zfs.csi.dev/snapshot';

/**
 * Unavailable: the pool or parent is not there, so the agent cannot see the data (recoverable, DESIGN.md §4
 * rule 10). Lost: the pool and parent are there and the dataset is not (or the Kubernetes node is gone).
 * Either returns to Ready by itself when the data is seen again.
 */
export type VolumePhase = 'Pending' | 'Ready' | 'Deleting' | 'Failed' | 'Lost' | 'Unavailable';
export type SnapshotPhase = 'Pending' | 'Ready' | 'Deleting' | 'Failed' | 'Lost' | 'Unavailable';

export interface ContentSourceSpec {
  readonly kind: 'snapshot' | 'volume';
  readonly id: string;
}

export interface ZfsVolumeSpec {
  readonly csiName: string;
  readonly volumeId: string;
  readonly nodeName: string;
  readonly parentDataset: string;
  readonly requestedBytes: string;
  readonly contentSource?: ContentSourceSpec;
  /** Validated StorageClass parameters (VolumeParams): native properties, quotaType, thin. */
  readonly properties: Readonly<Record<string, string>>;
  readonly quotaType: 'refquota' | 'quota';
  readonly thin: boolean;
  /** StorageClass foreignSnapshots (issue #10 part 3); absent = keep. */
  readonly foreignSnapshots?: ForeignSnapshotPolicy;
  /**
   * What ControllerModifyVolume asked for since creation, merged key by key (a later value wins): these win
   * over properties/quotaType/thin. Absent = nothing. The agent sets all of it and answers in
   * status.appliedParameters (docs/kubernetes-mode.md, "Modify").
   */
  readonly mutableParameters?: VolumeChange;
  /** CSI DeleteVolume was called: the only thing that lets the agent destroy data (§4 rule 7). */
  readonly deletionRequested?: boolean;
  /**
   * An existing dataset (a direct child of parentDataset) to import instead of making one (issue #10,
   * docs/import.md): written by an operator, never by the controller or an agent. The volume keeps that name.
   */
  readonly importDataset?: string;
}

export interface ZfsVolumeStatus {
  readonly phase?: VolumePhase;
  /** The gRPC code of the last failure, so a node-side error reaches the CO with the right code (§2). */
  readonly code?: ErrorCode;
  readonly message?: string;
  readonly capacityBytes?: string;
  readonly usedBytes?: string;
  readonly dataset?: string;
  readonly mountpoint?: string;
  readonly datasetGuid?: string;
  /**
   * The agent's answer to deletionRequested: Destroyed (the dataset is gone), Retired (kept on the pool for
   * its snapshots/clones, §3.1; destroyed later by a sweep), InUse (still published: FAILED_PRECONDITION).
   */
  readonly deletion?: DeletionOutcome;
  /** The spec.mutableParameters ZFS holds now (set at observedGeneration); absent = none. */
  readonly appliedParameters?: VolumeChange;
  /**
   * Retired, and only snapshots the driver did not make keep its data (issue #10 part 3, docs/snapshots.md):
   * their names and why they stay. Absent while nothing foreign holds it.
   */
  readonly heldByForeignSnapshots?: ForeignHoldStatus;
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
}

export type DeletionOutcome = 'Destroyed' | 'Retired' | 'InUse';

export const HOLD_REASONS = ['kept', 'cloned', 'held'] as const;

export interface ForeignHoldStatus {
  /** Snapshot names (the part after `@`), sorted. */
  readonly snapshots: readonly string[];
  /** kept: the policy is keep; cloned / held: destroy, but one has clones / a `zfs hold`. */
  readonly reason: (typeof HOLD_REASONS)[number];
  readonly usedBytes: string;
}

/** The VolumeParams a ZfsVolume was created with (ControllerModifyVolume's changes come on top). */
export function creationParams(s: ZfsVolumeSpec): VolumeParams {
  const base = { properties: { ...s.properties }, quotaType: s.quotaType, thin: s.thin };
  return s.foreignSnapshots === undefined ? base : { ...base, foreignSnapshots: s.foreignSnapshots };
}

export interface ZfsVolume {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ZfsVolume';
  readonly metadata: ObjectMeta;
  readonly spec: ZfsVolumeSpec;
  readonly status?: ZfsVolumeStatus;
}

export interface ZfsSnapshotSpec {
  readonly csiName: string;
  readonly snapshotId: string;
  readonly sourceVolumeId: string;
  readonly nodeName: string;
  readonly deletionRequested?: boolean;
}

export interface ZfsSnapshotStatus {
  readonly phase?: SnapshotPhase;
  readonly readyToUse?: boolean;
  readonly creationTime?: string;
  readonly sizeBytes?: string;
  /** Full ZFS name `parent/volume@snapshot`, filled by the agent. */
  readonly zfsName?: string;
  /** Destroyed once `zfs destroy -d` ran (deferred while clones need it; gone for the CO at once). */
  readonly deletion?: 'Destroyed';
  readonly code?: ErrorCode;
  readonly message?: string;
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
}

export interface ZfsSnapshot {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ZfsSnapshot';
  readonly metadata: ObjectMeta;
  readonly spec: ZfsSnapshotSpec;
  readonly status?: ZfsSnapshotStatus;
}

export interface ParentStatus {
  readonly parent: string;
  readonly pool: string;
  readonly health: string;
  readonly availableBytes: string;
  readonly usedBytes: string;
  readonly retiredBytes: string;
}

export interface ZfsNodeStatus {
  readonly parents?: readonly ParentStatus[];
  readonly implementation?: string;
  readonly zfsVersion?: string;
  readonly agentVersion?: string;
  readonly lastHeartbeat?: string;
  /** host:port of the node's transfer endpoint (issue #8), when it serves one. */
  readonly transferEndpoint?: string;
  readonly conditions?: readonly Condition[];
}

export interface ZfsNode {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ZfsNode';
  readonly metadata: ObjectMeta;
  readonly spec?: Readonly<Record<string, never>>;
  readonly status?: ZfsNodeStatus;
}

export type ZfsResource = ZfsVolume | ZfsSnapshot | ZfsNode | ZfsTransfer | ZfsReplication;

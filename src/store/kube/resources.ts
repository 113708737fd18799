/**
 * The custom resources of Kubernetes mode (DESIGN.md §1, §2): names, shapes and decoders.
 * Objects are cluster-scoped; a volume's resource is named by its volume ID, a snapshot's by its snapshot ID
 * (both are valid DNS-1123 names by construction, src/csi/ids.ts). int64 byte counts travel as decimal strings:
 * JSON numbers lose precision above 2^53.
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { ForeignSnapshotPolicy, VolumeParams } from '../../domain/types.js';
import type { VolumeChange } from '../../domain/volume-change.js';

export const GROUP = 'zfs.csi.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
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

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface ObjectMeta {
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly deletionTimestamp?: string;
  readonly creationTimestamp?: string;
}

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

/**
 * One copy of a snapshot from spec.nodeName (the sender, whose agent writes status) to spec.targetNode
 * (whose agent lets the stream in only while this resource names it, and holds the finalizer while the
 * copy exists, issue #8). Named `xfer-…`.
 */
export interface ZfsTransferSpec {
  readonly snapshotId: string;
  /** The snapshot's source volume: the receiver checks the offer against it. */
  readonly volumeId: string;
  readonly nodeName: string;
  readonly targetNode: string;
  /** One of the target's parents; its first when absent. */
  readonly targetParent?: string;
  /** CSI DeleteSnapshot of the original: the target destroys the copy (DESIGN.md §4 rule 7). */
  readonly deletionRequested?: boolean;
}

export type TransferPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ZfsTransferStatus {
  readonly phase?: TransferPhase;
  /** Where a running transfer is: connecting, negotiating, sending, confirming. */
  readonly step?: string;
  readonly mode?: 'full' | 'incremental' | 'present';
  /** The common snapshot an incremental stream started from. */
  readonly base?: string;
  readonly bytes?: string;
  readonly estimateBytes?: string;
  readonly rateBytesPerSecond?: number;
  readonly attempts?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The copy on the target, `parent/volume@snapshot`. */
  readonly targetSnapshot?: string;
  readonly code?: ErrorCode;
  readonly message?: string;
  readonly observedGeneration?: number;
}

export interface ZfsTransfer {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ZfsTransfer';
  readonly metadata: ObjectMeta;
  readonly spec: ZfsTransferSpec;
  readonly status?: ZfsTransferStatus;
}

/**
 * Scheduled replication of one volume to another node (issue #8, docs/replication.md): every interval the
 * controller takes a snapshot and copies it by ZfsTransfer (incremental from the last common one), and keeps
 * the newest `retain` replicated snapshots on both nodes. Written by a person; status by the controller.
 */
export interface ZfsReplicationSpec {
  readonly volumeId: string;
  readonly targetNode: string;
  /** One of the target's parents; its first when absent. A restore from the replica must land here. */
  readonly targetParent?: string;
  readonly intervalSeconds: number;
  /** Replicated snapshots kept on both nodes; never fewer than 1, so the latest common one always stays. */
  readonly retain: number;
  /** No scheduled rounds; a round already started is finished, and replicateNow still runs one. */
  readonly suspend?: boolean;
  /** A new value asks for a round now (migration's final incremental); status.lastReplicateNow answers it. */
  readonly replicateNow?: string;
  /** What deleting this resource does with its replicated snapshots; Retain (default) keeps them. */
  readonly deletePolicy?: 'Retain' | 'Delete';
}

export type ReplicationPhase = 'Pending' | 'Replicating' | 'Ready' | 'Failing';

export interface ReplicatedSnapshot {
  readonly snapshotId: string;
  /** When the snapshot was taken: what a restore from it holds. */
  readonly creationTime: string;
}

export interface ZfsReplicationStatus {
  readonly phase?: ReplicationPhase;
  /** Rounds started; round N's snapshot is named `repl-<name>-N`, so a retried round finds its snapshot. */
  readonly round?: number;
  readonly roundStartedAt?: string;
  /** The target parent, fixed at the first round so every round lands in the same copy. */
  readonly targetParent?: string;
  /** The replicateNow value the latest round was started for. */
  readonly lastReplicateNow?: string;
  /** The snapshot of the round in progress (taken, not yet on the target). */
  readonly pendingSnapshot?: string;
  /** On both nodes, oldest first; the last one is the newest common snapshot. */
  readonly replicated?: readonly ReplicatedSnapshot[];
  /** The loss window: a restore from the replica holds the data as of this time. */
  readonly lastReplicatedSnapshot?: string;
  readonly lastReplicatedTime?: string;
  /** The last round's stream: full, incremental or present, and its bytes. */
  readonly lastMode?: 'full' | 'incremental' | 'present';
  readonly lastBytes?: string;
  readonly code?: ErrorCode;
  readonly message?: string;
  readonly observedGeneration?: number;
}

export interface ZfsReplication {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ZfsReplication';
  readonly metadata: ObjectMeta;
  readonly spec: ZfsReplicationSpec;
  readonly status?: ZfsReplicationStatus;
}

export type ZfsResource = ZfsVolume | ZfsSnapshot | ZfsNode | ZfsTransfer | ZfsReplication;

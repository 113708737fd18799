/**
 * The data-movement resources of Kubernetes mode (issue #8): ZfsTransfer (one copy of a snapshot to another
 * node) and ZfsReplication (a schedule of such copies). Byte counts travel as decimal strings.
 */
import type { ErrorCode } from '../../domain/errors.js';
import type { API_VERSION, ObjectMeta } from './resources-meta.js';

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

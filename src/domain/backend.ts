import type {
  CapacityReport,
  SnapshotRecord,
  SnapshotSpec,
  VolumeRecord,
  VolumeSpec,
} from './types.js';
import type { VolumeState } from './health.js';
import type { VolumeChange } from './volume-change.js';

/**
 * The seam between the CSI controller and "make this happen on that node" (DESIGN.md §2).
 * Standalone mode implements it in-process over the provisioner; Kubernetes mode writes custom resources and
 * waits for the node agent. Every mutating call is idempotent and safe to repeat after any crash.
 * Reads return what the CO may see: retired volumes and deleted snapshots are hidden.
 */
export interface VolumeBackend {
  getVolume(id: string): Promise<VolumeRecord | undefined>;
  findVolumeByName(name: string): Promise<VolumeRecord | undefined>;
  /** Sorted by id (the stable pagination key). */
  listVolumes(): Promise<readonly VolumeRecord[]>;
  /**
   * Health (and, where this backend records them, publications) of each record, in the same order, from a
   * constant number of lookups however many there are: ListVolumes asks for a whole page at once.
   */
  volumeStates(records: readonly VolumeRecord[], signal: AbortSignal): Promise<readonly VolumeState[]>;

  getSnapshot(id: string): Promise<SnapshotRecord | undefined>;
  findSnapshotByName(name: string): Promise<SnapshotRecord | undefined>;
  /** Sorted by id (the stable pagination key). Helper snapshots of volume clones are never listed. */
  listSnapshots(): Promise<readonly SnapshotRecord[]>;

  /** Creates the volume described by spec, or returns it when a volume with spec.id already exists. */
  createVolume(spec: VolumeSpec, signal: AbortSignal): Promise<VolumeRecord>;
  /** Destroys or retires the volume (§3.1). A volume that is gone is not an error. */
  deleteVolume(id: string, signal: AbortSignal): Promise<void>;
  /** Sets the quota to bytes (never shrinks); returns the updated record. */
  expandVolume(id: string, bytes: bigint, signal: AbortSignal): Promise<VolumeRecord>;
  /**
   * Sets the mutable parameters the change names (ControllerModifyVolume), every one of them on every call
   * (idempotent, and a retry finishes an interrupted one); returns the updated record. NOT_FOUND when gone.
   */
  modifyVolume(id: string, change: VolumeChange, signal: AbortSignal): Promise<VolumeRecord>;

  createSnapshot(spec: SnapshotSpec, signal: AbortSignal): Promise<SnapshotRecord>;
  /** Destroys the snapshot, deferred when clones depend on it. A snapshot that is gone is not an error. */
  deleteSnapshot(id: string, signal: AbortSignal): Promise<void>;

  /**
   * Copies a snapshot into another node's parent so a restore can clone it there (issue #8, restore
   * anywhere): resolves once the copy is there, ABORTED while it is being made. Absent in standalone mode.
   */
  copySnapshot?(snapshotId: string, targetNode: string, targetParent: string, signal: AbortSignal): Promise<unknown>;

  /** Capacity per (node, parent); node undefined = every node this backend knows. */
  capacity(node: string | undefined, signal: AbortSignal): Promise<readonly CapacityReport[]>;
  /** Nodes volumes can be placed on (standalone: just this one). */
  nodes(): Promise<readonly string[]>;
  /** True when the backend can serve calls (pool imported, state loaded). */
  ready(): Promise<boolean>;
}

/** What the reconcilers share: the node's identity, ZFS, the watched resources and their writers. */
import type { Logger } from 'winston';
import type { MountEntry } from '../mount/mounter.js';
import type { CapacityCache } from '../provision/capacity.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { ResourceCache } from '../store/kube/cache.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import type { Zfs } from '../zfs/zfs.js';
import type { EventSink } from './events.js';
import type { ParentPresence } from './presence.js';
import type { ResourceWriter } from './writer.js';

export interface AgentContext {
  readonly node: string;
  readonly parents: readonly string[];
  readonly zfs: Zfs;
  readonly provisioner: Provisioner;
  readonly capacity: CapacityCache;
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly volumeWriter: ResourceWriter<ZfsVolume>;
  readonly snapshotWriter: ResourceWriter<ZfsSnapshot>;
  readonly events: EventSink;
  /** Which parents are there; an absent one makes its volumes Unavailable (DESIGN.md §4 rule 10). */
  readonly presence: ParentPresence;
  readonly log: Logger;
  /** The host's mounts: an import checks nothing else uses the dataset (src/agent/volume-import.ts). */
  mountTable(): Promise<readonly MountEntry[]>;
  /** Destroys retired data nothing needs any more, and requeues the volumes whose data went. */
  sweep(parent: string, signal?: AbortSignal): Promise<void>;
  /** Rescans for datasets without a resource (after a deletion without intent left one behind). */
  refreshDrift(): void;
  /** Copies received for Succeeded ZfsTransfers: snapshot ID → `parent/volume@snapshot` on this node. */
  copies(): ReadonlyMap<string, string>;
  /** The copy of one snapshot, read again from the API server when the watch has not seen it yet. */
  copyOf(snapshotId: string): Promise<string | undefined>;
}

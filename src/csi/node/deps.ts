import type { VolumeCondition } from '../../domain/health.js';
import type { TargetManager } from '../../mount/targets.js';
import type { NodeVolume, NodeVolumeLookup } from './lookup.js';

/** What the node knows of a volume's health without running a process (cached pool health, DESIGN.md §7). */
export interface NodeVolumeHealth {
  /** An abnormal condition of the volume's dataset or pool, or undefined when nothing is known to be wrong. */
  conditionOf(volume: NodeVolume): VolumeCondition | undefined;
  /**
   * Why the volume's pool cannot be used now (not imported), from the same cache; undefined when it can or
   * nothing is known. A volume that is not where it should be is then UNAVAILABLE, not NOT_FOUND (§4 rule 6).
   */
  unavailable?(volume: NodeVolume): string | undefined;
}

/** What the Node service is built from (composed in src/app/ per mode). */
export interface NodeDeps {
  /** This node's name: NodeGetInfo.node_id and the topology segment value. At most 256 bytes. */
  readonly nodeId: string;
  readonly volumes: NodeVolumeLookup;
  readonly targets: TargetManager;
  /** NodeGetInfo.max_volumes_per_node; 0 or absent = no limit (CSI: "the CO decides"). */
  readonly maxVolumesPerNode?: number;
  /** Default: nothing known beyond the mount (the condition then reflects the target alone). */
  readonly health?: NodeVolumeHealth;
}

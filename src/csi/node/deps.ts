import type { TargetManager } from '../../mount/targets.js';
import type { NodeVolumeLookup } from './lookup.js';

/** What the Node service is built from (composed in src/app/ per mode). */
export interface NodeDeps {
  /** This node's name: NodeGetInfo.node_id and the topology segment value. At most 256 bytes. */
  readonly nodeId: string;
  readonly volumes: NodeVolumeLookup;
  readonly targets: TargetManager;
  /** NodeGetInfo.max_volumes_per_node; 0 or absent = no limit (CSI: "the CO decides"). */
  readonly maxVolumesPerNode?: number;
}

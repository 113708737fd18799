import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeExpandVolumeRequest__Output } from '../../grpc/gen/csi/v1/NodeExpandVolumeRequest.js';
import type { NodeExpandVolumeResponse } from '../../grpc/gen/csi/v1/NodeExpandVolumeResponse.js';
import { parseCapability } from '../capability.js';
import { parseCapacityRange } from '../size.js';
import type { NodeDeps } from './deps.js';
import { findVolumeAt, requirePath, requireVolumeId } from './request.js';

/**
 * Nothing to resize on the node: a ZFS quota takes effect at once in every mount of the dataset, so
 * ControllerExpandVolume answers node_expansion_required=false (DESIGN.md §3). This exists for COs that
 * call it anyway; it validates, checks the volume is at volume_path, and reports the volume's real current
 * capacity (never the requested one: answering a size the quota does not have would mislead the CO).
 */
export function expandVolume(deps: NodeDeps): MethodSpec<NodeExpandVolumeRequest__Output, NodeExpandVolumeResponse> {
  return {
    handle: async (req) => {
      const volumeId = requireVolumeId(req.volume_id);
      const rawPath = requirePath(req.volume_path, 'volume_path');
      // Optional in CSI; when sent it must be one we serve (block → INVALID_ARGUMENT).
      if (req.volume_capability) parseCapability(req.volume_capability);
      parseCapacityRange(req.capacity_range);
      const volume = await findVolumeAt(deps, volumeId, rawPath);
      return { capacity_bytes: volume.capacityBytes.toString() };
    },
  };
}

import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeUnpublishVolumeRequest__Output } from '../../grpc/gen/csi/v1/NodeUnpublishVolumeRequest.js';
import type { NodeUnpublishVolumeResponse } from '../../grpc/gen/csi/v1/NodeUnpublishVolumeResponse.js';
import type { NodeDeps } from './deps.js';
import { requirePath, requireVolumeId, volumeLockKeys } from './request.js';

/**
 * Unmounts target_path (verified in the mount table) and removes it. No volume lookup: a target that is
 * already gone, even of a volume this node no longer knows, is OK (CSI idempotency, DESIGN.md §5).
 */
export function unpublishVolume(deps: NodeDeps): MethodSpec<NodeUnpublishVolumeRequest__Output, NodeUnpublishVolumeResponse> {
  return {
    lockKeys: volumeLockKeys,
    handle: async (req, ctx) => {
      requireVolumeId(req.volume_id);
      const target = deps.targets.checkPath(requirePath(req.target_path, 'target_path'));
      await deps.targets.unpublish(target, ctx.signal);
      ctx.log.debug('volume unpublished', { target });
      return {};
    },
  };
}

import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeGetVolumeStatsRequest__Output } from '../../grpc/gen/csi/v1/NodeGetVolumeStatsRequest.js';
import type { NodeGetVolumeStatsResponse } from '../../grpc/gen/csi/v1/NodeGetVolumeStatsResponse.js';
import type { VolumeUsage } from '../../grpc/gen/csi/v1/VolumeUsage.js';
import type { VolumeStats } from '../../mount/targets.js';
import type { NodeDeps } from './deps.js';
import { findVolumeAt, requirePath, requireVolumeId } from './request.js';

/** statfs figures as CSI VolumeUsage entries; int64 travels as decimal strings (`longs: String`). */
export function usageOf(stats: VolumeStats): VolumeUsage[] {
  return [
    {
      unit: 'BYTES',
      total: stats.totalBytes.toString(),
      available: stats.availableBytes.toString(),
      used: stats.usedBytes.toString(),
    },
    {
      unit: 'INODES',
      total: stats.totalInodes.toString(),
      available: stats.freeInodes.toString(),
      used: stats.usedInodes.toString(),
    },
  ];
}

/**
 * Usage of a mounted volume by statfs of volume_path: no `zfs` process on this hot path (DESIGN.md §7).
 * A path where the volume is not mounted is NOT_FOUND (§5). The condition is normal whenever statfs of a
 * verified mount answers; a failing statfs reaches the CO as the error it is.
 */
export function getVolumeStats(deps: NodeDeps): MethodSpec<NodeGetVolumeStatsRequest__Output, NodeGetVolumeStatsResponse> {
  return {
    handle: async (req) => {
      const volumeId = requireVolumeId(req.volume_id);
      const rawPath = requirePath(req.volume_path, 'volume_path');
      await findVolumeAt(deps, volumeId, rawPath);
      const stats = await deps.targets.stats(deps.targets.checkPath(rawPath));
      return {
        usage: usageOf(stats),
        volume_condition: { abnormal: false, message: 'volume is mounted and its filesystem answers statfs' },
      };
    },
  };
}

import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeGetVolumeStatsRequest__Output } from '../../grpc/gen/csi/v1/NodeGetVolumeStatsRequest.js';
import type { NodeGetVolumeStatsResponse } from '../../grpc/gen/csi/v1/NodeGetVolumeStatsResponse.js';
import type { VolumeUsage } from '../../grpc/gen/csi/v1/VolumeUsage.js';
import type { VolumeStats } from '../../mount/targets.js';
import { notFound } from '../errors.js';
import type { NodeDeps } from './deps.js';
import type { NodeVolume } from './lookup.js';
import { findVolume, notMountedAt, requirePath, requireVolumeId } from './request.js';

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

const HEALTHY = 'volume is mounted and its filesystem answers statfs';

/**
 * Usage of a mounted volume by statfs of volume_path, and its condition: no `zfs` process on this hot path
 * (DESIGN.md §7); pool health comes from the node's cache (deps.health).
 *
 * A path where the volume is not mounted is NOT_FOUND (§5), unless this node published the volume there and
 * the mount has since gone (unmounted by hand, dataset unmounted under it): that is the fault
 * VOLUME_CONDITION exists for, so it answers abnormal, with the dataset's own usage when its mountpoint
 * still answers (kubelet drops a response without usage).
 */
export function getVolumeStats(deps: NodeDeps): MethodSpec<NodeGetVolumeStatsRequest__Output, NodeGetVolumeStatsResponse> {
  return {
    handle: async (req) => {
      const volumeId = requireVolumeId(req.volume_id);
      const rawPath = requirePath(req.volume_path, 'volume_path');
      const volume = await findVolume(deps, volumeId);
      const path = checkedPath(deps, volumeId, rawPath);
      if (path !== volume.mountpoint && !(await deps.targets.isPublished(volume.mountpoint, path))) {
        if (deps.targets.knownSource(path) !== volume.mountpoint) throw notMountedAt(deps, volumeId, volume, path);
        return lostTarget(deps, volumeId, volume, path);
      }
      const stats = await deps.targets.stats(path);
      const condition = deps.health?.conditionOf(volume);
      return { usage: usageOf(stats), volume_condition: condition ?? { abnormal: false, message: HEALTHY } };
    },
  };
}

/** A path that fails the lexical check (csi-sanity's relative "some/path") cannot hold the volume: NOT_FOUND. */
function checkedPath(deps: NodeDeps, volumeId: string, rawPath: string): string {
  try {
    return deps.targets.checkPath(rawPath);
  } catch {
    throw notFound(`volume ${volumeId} is not mounted at ${JSON.stringify(rawPath)}`);
  }
}

async function lostTarget(deps: NodeDeps, volumeId: string, volume: NodeVolume, path: string): Promise<NodeGetVolumeStatsResponse> {
  const stats = await deps.targets.stats(volume.mountpoint).catch(() => undefined);
  const dataset = stats === undefined ? `; the dataset is not mounted at ${volume.mountpoint} either` : '';
  return {
    usage: stats === undefined ? [] : usageOf(stats),
    volume_condition: {
      abnormal: true,
      message: `target ${path} is no longer a mount of volume ${volumeId} (unmounted outside the driver?)${dataset}`,
    },
  };
}

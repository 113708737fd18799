import type { MethodSpec } from '../../grpc/handler.js';
import type { NodePublishVolumeRequest__Output } from '../../grpc/gen/csi/v1/NodePublishVolumeRequest.js';
import type { NodePublishVolumeResponse } from '../../grpc/gen/csi/v1/NodePublishVolumeResponse.js';
import { parseCapability, type Capability } from '../capability.js';
import { failedPrecondition } from '../errors.js';
import type { NodeDeps } from './deps.js';
import type { NodeVolume } from './lookup.js';
import { findVolume, requirePath, requireVolumeId, volumeLockKeys } from './request.js';

/**
 * Read-only when the CO says so or the access mode only allows reading. (CSI: `readonly` applies to the
 * publish; SINGLE_NODE_READER_ONLY volumes are never writable.)
 */
export const isReadOnly = (readonly: boolean, cap: Capability): boolean => readonly || cap.readOnlyMode;

/**
 * SINGLE_NODE_SINGLE_WRITER (Kubernetes ReadWriteOncePod) allows one publish on the node: another target
 * is the spec's "exceeds capabilities" → FAILED_PRECONDITION. SINGLE_NODE_WRITER is not enforced: Kubernetes
 * maps ReadWriteOnce to it and lets several pods on one node share the volume.
 */
async function checkSingleWriter(deps: NodeDeps, volumeId: string, volume: NodeVolume, target: string, cap: Capability): Promise<void> {
  if (cap.mode !== 'SINGLE_NODE_SINGLE_WRITER') return;
  const others = (await deps.targets.bindsOf(volume.mountpoint)).filter(
    (t) => t !== target && t !== volume.mountpoint,
  );
  if (others.length > 0) {
    throw failedPrecondition(
      `volume ${volumeId} has access mode SINGLE_NODE_SINGLE_WRITER and is already published at ${others.join(', ')}`,
    );
  }
}

/**
 * Bind-mounts the dataset's mountpoint onto target_path (DESIGN.md §3). staging_target_path is checked, not used (no
 * STAGE_UNSTAGE_VOLUME capability); mount_flags are accepted and never logged (§4 rule 8).
 */
export function publishVolume(deps: NodeDeps): MethodSpec<NodePublishVolumeRequest__Output, NodePublishVolumeResponse> {
  return {
    lockKeys: volumeLockKeys,
    handle: async (req, ctx) => {
      const volumeId = requireVolumeId(req.volume_id);
      const rawTarget = requirePath(req.target_path, 'target_path');
      const cap = parseCapability(req.volume_capability);
      const target = deps.targets.checkPath(rawTarget);
      // Never used (no STAGE_UNSTAGE_VOLUME), but held to the same rules: a CO that names a staging path
      // outside the publish roots is confused or probing (issue #7 part 8).
      if (req.staging_target_path !== '') deps.targets.checkPath(req.staging_target_path);
      const volume = await findVolume(deps, volumeId);
      await checkSingleWriter(deps, volumeId, volume, target, cap);
      const readOnly = isReadOnly(req.readonly, cap);
      await deps.targets.publish(volume.mountpoint, target, readOnly, ctx.signal);
      ctx.log.debug('volume published', { target, readOnly, mode: cap.mode });
      return {};
    },
  };
}

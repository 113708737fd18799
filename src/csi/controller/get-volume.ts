import type { MethodSpec } from '../../grpc/handler.js';
import type { ControllerGetVolumeRequest__Output } from '../../grpc/gen/csi/v1/ControllerGetVolumeRequest.js';
import type { ControllerGetVolumeResponse } from '../../grpc/gen/csi/v1/ControllerGetVolumeResponse.js';
import { notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import type { ControllerContext } from './deps.js';
import { healthyCondition, volumeToProto } from './responses.js';

/** CSI ControllerGetVolume (GET_VOLUME + VOLUME_CONDITION); unknown → NOT_FOUND (DESIGN.md §5). */
async function getVolume(
  ctx: ControllerContext,
  req: ControllerGetVolumeRequest__Output,
): Promise<ControllerGetVolumeResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  const volume = isVolumeId(id) ? await ctx.backend.getVolume(id) : undefined;
  if (!volume) throw notFound(`volume ${id} does not exist`);
  return {
    volume: volumeToProto(volume),
    status: { published_node_ids: [], volume_condition: healthyCondition() },
  };
}

export function getVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<ControllerGetVolumeRequest__Output, ControllerGetVolumeResponse> {
  return { handle: (req) => getVolume(ctx, req) };
}

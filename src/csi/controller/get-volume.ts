import type { MethodSpec } from '../../grpc/handler.js';
import type { ControllerGetVolumeRequest__Output } from '../../grpc/gen/csi/v1/ControllerGetVolumeRequest.js';
import type { ControllerGetVolumeResponse } from '../../grpc/gen/csi/v1/ControllerGetVolumeResponse.js';
import { notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import type { ControllerContext } from './deps.js';
import { volumeStatusToProto, volumeToProto } from './responses.js';

/** CSI ControllerGetVolume (GET_VOLUME + VOLUME_CONDITION): the backend's honest condition; unknown → NOT_FOUND (§5). */
async function getVolume(
  ctx: ControllerContext,
  req: ControllerGetVolumeRequest__Output,
  signal: AbortSignal,
): Promise<ControllerGetVolumeResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  const volume = isVolumeId(id) ? await ctx.backend.getVolume(id) : undefined;
  if (!volume) throw notFound(`volume ${id} does not exist`);
  const [state] = await ctx.backend.volumeStates([volume], signal);
  if (!state) throw new Error(`backend returned no state for volume ${id}`);
  return { volume: volumeToProto(volume), status: volumeStatusToProto(state) };
}

export function getVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<ControllerGetVolumeRequest__Output, ControllerGetVolumeResponse> {
  return { handle: (req, call) => getVolume(ctx, req, call.signal) };
}

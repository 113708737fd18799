import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { ControllerModifyVolumeRequest__Output } from '../../grpc/gen/csi/v1/ControllerModifyVolumeRequest.js';
import type { ControllerModifyVolumeResponse } from '../../grpc/gen/csi/v1/ControllerModifyVolumeResponse.js';
import { isEmptyChange } from '../../domain/volume-change.js';
import { notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import { parseMutableParams } from '../mutable-params.js';
import type { ControllerContext } from './deps.js';

/**
 * CSI ControllerModifyVolume (spec "ControllerModifyVolume", MODIFY_VOLUME): `zfs set` of the mutable
 * parameters on the live dataset. The parameters are checked first, so a bad or immutable key is
 * INVALID_ARGUMENT with nothing changed; an unknown volume is NOT_FOUND. Idempotent: the backend sets every
 * named property again even when its record says it is already there, which is also how a modification
 * interrupted by a crash is finished by the CO's retry (see src/provision/modify.ts).
 */
async function modifyVolume(
  ctx: ControllerContext,
  req: ControllerModifyVolumeRequest__Output,
  call: CallContext,
): Promise<ControllerModifyVolumeResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  const change = parseMutableParams(req.mutable_parameters);
  const volume = isVolumeId(id) ? await ctx.backend.getVolume(id) : undefined;
  if (!volume) throw notFound(`volume ${id} does not exist`);
  // An empty map asks for nothing (csi-test sanity does not treat it as an error).
  if (isEmptyChange(change)) return {};
  await ctx.backend.modifyVolume(id, change, call.signal);
  call.log.debug('volume modified', { volumeId: id, keys: Object.keys(req.mutable_parameters ?? {}).sort().join(',') });
  return {};
}

export function modifyVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<ControllerModifyVolumeRequest__Output, ControllerModifyVolumeResponse> {
  return {
    handle: (req, call) => modifyVolume(ctx, req, call),
    // The same key as ControllerExpandVolume: both set quota properties, so they never interleave.
    lockKeys: (req) => (req.volume_id ? [`volume:${req.volume_id}`] : []),
  };
}

import type { VolumeParams, VolumeRecord } from '../../domain/types.js';
import type { MethodSpec } from '../../grpc/handler.js';
import type { ValidateVolumeCapabilitiesRequest__Output } from '../../grpc/gen/csi/v1/ValidateVolumeCapabilitiesRequest.js';
import type { ValidateVolumeCapabilitiesResponse } from '../../grpc/gen/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import { unsupportedReason } from '../capability.js';
import { DriverError } from '../../domain/errors.js';
import { invalidArgument, notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import { parseMutableParams } from '../mutable-params.js';
import { parseParams, sameParams } from '../params.js';
import { holdsChange, withChange, type VolumeChange } from '../../domain/volume-change.js';
import type { ControllerContext } from './deps.js';

/** Why the request cannot be confirmed, or undefined when every capability and parameter is served. */
function refusal(req: ValidateVolumeCapabilitiesRequest__Output, volume: VolumeRecord): string | undefined {
  for (const cap of req.volume_capabilities) {
    const reason = unsupportedReason(cap);
    if (reason !== undefined) return reason;
  }
  let params: VolumeParams | undefined;
  let change: VolumeChange;
  try {
    params = Object.keys(req.parameters ?? {}).length === 0 ? undefined : parseParams(req.parameters);
    change = parseMutableParams(req.mutable_parameters);
  } catch (err) {
    if (err instanceof DriverError) return err.message;
    throw err;
  }
  // A volume only "has" the values it holds now (e.g. compression=lz4 is not compression=off): what it was
  // created with, with what ControllerModifyVolume changed since, and the mutable parameters asked here win
  // over the parameters, as in CreateVolume.
  if (!holdsChange(volume.params, change)) return 'the volume has other values for its mutable parameters';
  if (params === undefined) return undefined;
  return sameParams(withChange(params, change), volume.params) ? undefined : 'the volume was created with other parameters';
}

/**
 * CSI ValidateVolumeCapabilities: `confirmed` echoes what was asked when all of it is supported; otherwise
 * a message says why (not an error: the spec reserves errors for bad requests and unknown volumes).
 */
async function validate(
  ctx: ControllerContext,
  req: ValidateVolumeCapabilitiesRequest__Output,
): Promise<ValidateVolumeCapabilitiesResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  if (req.volume_capabilities.length === 0) throw invalidArgument('volume_capabilities is required');
  const volume = isVolumeId(id) ? await ctx.backend.getVolume(id) : undefined;
  if (!volume) throw notFound(`volume ${id} does not exist`);
  const reason = refusal(req, volume);
  if (reason !== undefined) return { confirmed: null, message: reason };
  return {
    confirmed: {
      volume_context: req.volume_context,
      volume_capabilities: req.volume_capabilities,
      parameters: req.parameters,
      mutable_parameters: req.mutable_parameters,
    },
    message: '',
  };
}

export function validateVolumeCapabilitiesMethod(
  ctx: ControllerContext,
): MethodSpec<ValidateVolumeCapabilitiesRequest__Output, ValidateVolumeCapabilitiesResponse> {
  return { handle: (req) => validate(ctx, req) };
}

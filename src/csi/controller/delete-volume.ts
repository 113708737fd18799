import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { DeleteVolumeRequest__Output } from '../../grpc/gen/csi/v1/DeleteVolumeRequest.js';
import type { DeleteVolumeResponse } from '../../grpc/gen/csi/v1/DeleteVolumeResponse.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import type { ControllerContext } from './deps.js';

/**
 * CSI DeleteVolume: a volume that is gone (or an ID that was never ours) is OK, so retries are harmless.
 * Retiring instead of destroying (DESIGN.md §3.1) and "still published" (FAILED_PRECONDITION) are the
 * backend's business.
 */
async function deleteVolume(
  ctx: ControllerContext,
  req: DeleteVolumeRequest__Output,
  call: CallContext,
): Promise<DeleteVolumeResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  if (!isVolumeId(id)) return {};
  // No lookup first: the backend's delete is idempotent and also finishes a delete that was interrupted
  // half-way (a record the reads already hide), which a "not found → return" shortcut would strand.
  await ctx.backend.deleteVolume(id, call.signal);
  return {};
}

export function deleteVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<DeleteVolumeRequest__Output, DeleteVolumeResponse> {
  return {
    handle: (req, call) => deleteVolume(ctx, req, call),
    lockKeys: (req) => (req.volume_id ? [`volume:${req.volume_id}`] : []),
  };
}

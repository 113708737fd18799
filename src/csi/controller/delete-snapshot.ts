import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { DeleteSnapshotRequest__Output } from '../../grpc/gen/csi/v1/DeleteSnapshotRequest.js';
import type { DeleteSnapshotResponse } from '../../grpc/gen/csi/v1/DeleteSnapshotResponse.js';
import { requireString } from '../fields.js';
import { isSnapshotId } from '../ids.js';
import type { ControllerContext } from './deps.js';

/** CSI DeleteSnapshot: gone or never ours → OK. Deferred destroy under clones is the backend's (§3.1). */
async function deleteSnapshot(
  ctx: ControllerContext,
  req: DeleteSnapshotRequest__Output,
  call: CallContext,
): Promise<DeleteSnapshotResponse> {
  const id = requireString(req.snapshot_id, 'snapshot_id');
  if (!isSnapshotId(id)) return {};
  // No lookup first: the backend's delete is idempotent and also finishes a delete that was interrupted
  // half-way (a record the reads already hide), which a "not found → return" shortcut would strand.
  await ctx.backend.deleteSnapshot(id, call.signal);
  return {};
}

export function deleteSnapshotMethod(
  ctx: ControllerContext,
): MethodSpec<DeleteSnapshotRequest__Output, DeleteSnapshotResponse> {
  return {
    handle: (req, call) => deleteSnapshot(ctx, req, call),
    lockKeys: (req) => (req.snapshot_id ? [`snapshot:${req.snapshot_id}`] : []),
  };
}

import type { MethodSpec } from '../../grpc/handler.js';
import type { GetSnapshotRequest__Output } from '../../grpc/gen/csi/v1/GetSnapshotRequest.js';
import type { GetSnapshotResponse } from '../../grpc/gen/csi/v1/GetSnapshotResponse.js';
import { notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isSnapshotId } from '../ids.js';
import type { ControllerContext } from './deps.js';
import { snapshotToProto } from './responses.js';

async function getSnapshot(ctx: ControllerContext, req: GetSnapshotRequest__Output): Promise<GetSnapshotResponse> {
  const id = requireString(req.snapshot_id, 'snapshot_id');
  const snapshot = isSnapshotId(id) ? await ctx.backend.getSnapshot(id) : undefined;
  if (!snapshot) throw notFound(`snapshot ${id} does not exist`);
  return { snapshot: snapshotToProto(snapshot) };
}

export function getSnapshotMethod(ctx: ControllerContext): MethodSpec<GetSnapshotRequest__Output, GetSnapshotResponse> {
  return { handle: (req) => getSnapshot(ctx, req) };
}

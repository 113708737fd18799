import type { SnapshotRecord } from '../../domain/types.js';
import type { MethodSpec } from '../../grpc/handler.js';
import type { ListSnapshotsRequest__Output } from '../../grpc/gen/csi/v1/ListSnapshotsRequest.js';
import type { ListSnapshotsResponse } from '../../grpc/gen/csi/v1/ListSnapshotsResponse.js';
import { isSnapshotId } from '../ids.js';
import { paginate, parsePageRequest } from '../pagination.js';
import type { ControllerContext } from './deps.js';
import { snapshotToProto } from './responses.js';

/** The snapshots the filters select; a filter that matches nothing is an empty list, not an error (CSI). */
async function selected(ctx: ControllerContext, req: ListSnapshotsRequest__Output): Promise<readonly SnapshotRecord[]> {
  const bySource = (s: SnapshotRecord): boolean =>
    !req.source_volume_id || s.sourceVolumeId === req.source_volume_id;
  if (req.snapshot_id) {
    const one = isSnapshotId(req.snapshot_id) ? await ctx.backend.getSnapshot(req.snapshot_id) : undefined;
    return one && bySource(one) ? [one] : [];
  }
  return (await ctx.backend.listSnapshots()).filter(bySource);
}

/** CSI ListSnapshots, paged by snapshot ID (DESIGN.md §5). */
async function listSnapshots(
  ctx: ControllerContext,
  req: ListSnapshotsRequest__Output,
): Promise<ListSnapshotsResponse> {
  const pageRequest = parsePageRequest(req, isSnapshotId);
  const page = paginate(await selected(ctx, req), (s) => s.id, pageRequest);
  return {
    entries: page.entries.map((s) => ({ snapshot: snapshotToProto(s) })),
    next_token: page.nextToken,
  };
}

export function listSnapshotsMethod(
  ctx: ControllerContext,
): MethodSpec<ListSnapshotsRequest__Output, ListSnapshotsResponse> {
  return { handle: (req) => listSnapshots(ctx, req) };
}

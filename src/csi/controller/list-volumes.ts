import type { MethodSpec } from '../../grpc/handler.js';
import type { ListVolumesRequest__Output } from '../../grpc/gen/csi/v1/ListVolumesRequest.js';
import type { ListVolumesResponse } from '../../grpc/gen/csi/v1/ListVolumesResponse.js';
import { isVolumeId } from '../ids.js';
import { paginate, parsePageRequest } from '../pagination.js';
import type { ControllerContext } from './deps.js';
import { healthyCondition, volumeToProto } from './responses.js';

/** CSI ListVolumes, paged by volume ID (DESIGN.md §5); retired volumes are already hidden by the backend. */
async function listVolumes(ctx: ControllerContext, req: ListVolumesRequest__Output): Promise<ListVolumesResponse> {
  const pageRequest = parsePageRequest(req, isVolumeId);
  const page = paginate(await ctx.backend.listVolumes(), (v) => v.id, pageRequest);
  return {
    entries: page.entries.map((v) => ({
      volume: volumeToProto(v),
      status: { published_node_ids: [], volume_condition: healthyCondition() },
    })),
    next_token: page.nextToken,
  };
}

export function listVolumesMethod(ctx: ControllerContext): MethodSpec<ListVolumesRequest__Output, ListVolumesResponse> {
  return { handle: (req) => listVolumes(ctx, req) };
}

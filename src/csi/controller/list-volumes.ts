import type { MethodSpec } from '../../grpc/handler.js';
import type { ListVolumesRequest__Output } from '../../grpc/gen/csi/v1/ListVolumesRequest.js';
import type { ListVolumesResponse } from '../../grpc/gen/csi/v1/ListVolumesResponse.js';
import { isVolumeId } from '../ids.js';
import { paginate, parsePageRequest } from '../pagination.js';
import type { ControllerContext } from './deps.js';
import { volumeStatusToProto, volumeToProto } from './responses.js';

/** CSI ListVolumes, paged by volume ID (DESIGN.md §5); retired volumes are already hidden by the backend. */
async function listVolumes(ctx: ControllerContext, req: ListVolumesRequest__Output, signal: AbortSignal): Promise<ListVolumesResponse> {
  const pageRequest = parsePageRequest(req, isVolumeId);
  const page = paginate(await ctx.backend.listVolumes(), (v) => v.id, pageRequest);
  // One health lookup for the page, not one per volume (the health monitor lists every minute).
  const states = await ctx.backend.volumeStates(page.entries, signal);
  return {
    entries: page.entries.map((v, i) => {
      const state = states[i];
      if (!state) throw new Error(`backend returned no state for volume ${v.id}`);
      return { volume: volumeToProto(v), status: volumeStatusToProto(state) };
    }),
    next_token: page.nextToken,
  };
}

export function listVolumesMethod(ctx: ControllerContext): MethodSpec<ListVolumesRequest__Output, ListVolumesResponse> {
  return { handle: (req, call) => listVolumes(ctx, req, call.signal) };
}

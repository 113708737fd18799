import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { GetCapacityRequest__Output } from '../../grpc/gen/csi/v1/GetCapacityRequest.js';
import type { GetCapacityResponse } from '../../grpc/gen/csi/v1/GetCapacityResponse.js';
import { unsupportedReason } from '../capability.js';
import { parseParams } from '../params.js';
import { nodeOf } from '../topology.js';
import type { ControllerContext } from './deps.js';
import { reportsPerNode } from './placement.js';

function capacityResponse(available: bigint, largest: bigint): GetCapacityResponse {
  return {
    available_capacity: available.toString(),
    maximum_volume_size: { value: largest.toString() },
    minimum_volume_size: null,
  };
}

/**
 * CSI GetCapacity (DESIGN.md §3): `available` of the parent dataset a new volume would use on the node the
 * topology names, or summed over every node. maximum_volume_size is the largest single one, since a volume
 * lives on one node. Capabilities we cannot serve have no capacity (0), as the spec asks.
 */
async function getCapacity(
  ctx: ControllerContext,
  req: GetCapacityRequest__Output,
  call: CallContext,
): Promise<GetCapacityResponse> {
  const params = parseParams(req.parameters);
  if (req.volume_capabilities.some((cap) => unsupportedReason(cap) !== undefined)) {
    return capacityResponse(0n, 0n);
  }
  const node = nodeOf(req.accessible_topology);
  const reports = await ctx.backend.capacity(node, call.signal);
  const relevant = reportsPerNode(
    node === undefined ? reports : reports.filter((r) => r.node === node),
    params.parentDataset,
  );
  let total = 0n;
  let largest = 0n;
  for (const r of relevant) {
    total += r.availableBytes;
    if (r.availableBytes > largest) largest = r.availableBytes;
  }
  return capacityResponse(total, largest);
}

export function getCapacityMethod(ctx: ControllerContext): MethodSpec<GetCapacityRequest__Output, GetCapacityResponse> {
  return { handle: (req, call) => getCapacity(ctx, req, call) };
}

import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { ControllerExpandVolumeRequest__Output } from '../../grpc/gen/csi/v1/ControllerExpandVolumeRequest.js';
import type { ControllerExpandVolumeResponse } from '../../grpc/gen/csi/v1/ControllerExpandVolumeResponse.js';
import { unsupportedReason } from '../capability.js';
import { invalidArgument, notFound, outOfRange } from '../errors.js';
import { requireString } from '../fields.js';
import { isVolumeId } from '../ids.js';
import { parseCapacityRange, type CapacityRange } from '../size.js';
import type { ControllerContext } from './deps.js';

/** The size to grow to: required_bytes, or limit_bytes when only a limit is given. */
function targetBytes(range: CapacityRange): bigint {
  if (range.requiredBytes > 0n) return range.requiredBytes;
  if (range.limitBytes > 0n) return range.limitBytes;
  throw invalidArgument('capacity_range needs required_bytes or limit_bytes');
}

/**
 * CSI ControllerExpandVolume → `zfs set refquota` (DESIGN.md §3). A filesystem needs no node step, so
 * node_expansion_required is false. Never shrinks: a volume already large enough answers its size.
 */
async function expandVolume(
  ctx: ControllerContext,
  req: ControllerExpandVolumeRequest__Output,
  call: CallContext,
): Promise<ControllerExpandVolumeResponse> {
  const id = requireString(req.volume_id, 'volume_id');
  if (!req.capacity_range) throw invalidArgument('capacity_range is required');
  const range = parseCapacityRange(req.capacity_range);
  const bytes = targetBytes(range);
  if (req.volume_capability) {
    const reason = unsupportedReason(req.volume_capability);
    if (reason !== undefined) throw invalidArgument(reason);
  }
  const volume = isVolumeId(id) ? await ctx.backend.getVolume(id) : undefined;
  if (!volume) throw notFound(`volume ${id} does not exist`);
  if (bytes <= volume.capacityBytes) {
    if (range.limitBytes > 0n && volume.capacityBytes > range.limitBytes) {
      throw outOfRange(`volume ${id} is already ${volume.capacityBytes} bytes, above limit_bytes; volumes never shrink`);
    }
    return { capacity_bytes: volume.capacityBytes.toString(), node_expansion_required: false };
  }
  await ctx.backend.expandVolume(id, bytes, call.signal);
  return { capacity_bytes: bytes.toString(), node_expansion_required: false };
}

export function expandVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<ControllerExpandVolumeRequest__Output, ControllerExpandVolumeResponse> {
  return {
    handle: (req, call) => expandVolume(ctx, req, call),
    lockKeys: (req) => (req.volume_id ? [`volume:${req.volume_id}`] : []),
  };
}

import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { CreateSnapshotRequest__Output } from '../../grpc/gen/csi/v1/CreateSnapshotRequest.js';
import type { CreateSnapshotResponse } from '../../grpc/gen/csi/v1/CreateSnapshotResponse.js';
import { alreadyExists, invalidArgument, notFound } from '../errors.js';
import { requireName, requireString } from '../fields.js';
import { isVolumeId, newSnapshotId } from '../ids.js';
import type { ControllerContext } from './deps.js';
import { snapshotToProto } from './responses.js';

/** Keys the external-snapshotter adds with --extra-create-metadata; any other parameter is refused. */
const IGNORED_PREFIX = 'csi.storage.k8s.io/';

function checkParameters(parameters: Readonly<Record<string, string>> | null | undefined): void {
  const unknown = Object.keys(parameters ?? {}).filter((k) => !k.startsWith(IGNORED_PREFIX));
  if (unknown.length > 0) {
    throw invalidArgument(`unknown VolumeSnapshotClass parameter(s): ${unknown.join(', ')}; none are supported`);
  }
}

/**
 * CSI CreateSnapshot → `zfs snapshot` (DESIGN.md §3), ready_to_use in the same response. A retry with the
 * same name and source returns the existing snapshot with its original creation_time.
 */
async function createSnapshot(
  ctx: ControllerContext,
  req: CreateSnapshotRequest__Output,
  call: CallContext,
): Promise<CreateSnapshotResponse> {
  const name = requireName(req.name, 'name');
  const sourceVolumeId = requireString(req.source_volume_id, 'source_volume_id');
  checkParameters(req.parameters);
  const existing = await ctx.backend.findSnapshotByName(name);
  if (existing) {
    if (existing.sourceVolumeId !== sourceVolumeId) {
      throw alreadyExists(
        `snapshot ${JSON.stringify(name)} exists (${existing.id}) for another source volume (${existing.sourceVolumeId})`,
      );
    }
    return { snapshot: snapshotToProto(existing) };
  }
  const volume = isVolumeId(sourceVolumeId) ? await ctx.backend.getVolume(sourceVolumeId) : undefined;
  if (!volume) throw notFound(`source volume ${sourceVolumeId} does not exist`);
  const record = await ctx.backend.createSnapshot(
    { id: newSnapshotId(), name, sourceVolumeId, node: volume.node },
    call.signal,
  );
  return { snapshot: snapshotToProto(record) };
}

export function createSnapshotMethod(
  ctx: ControllerContext,
): MethodSpec<CreateSnapshotRequest__Output, CreateSnapshotResponse> {
  return {
    handle: (req, call) => createSnapshot(ctx, req, call),
    lockKeys: (req) => (req.name ? [`snapshot-name:${req.name}`] : []),
  };
}

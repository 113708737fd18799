import type { ServiceImpl } from '../../grpc/handler.js';
import { getCapabilitiesMethod } from './capabilities.js';
import { createSnapshotMethod } from './create-snapshot.js';
import { createVolumeMethod } from './create-volume.js';
import { deleteSnapshotMethod } from './delete-snapshot.js';
import { deleteVolumeMethod } from './delete-volume.js';
import { resolveDeps, type ControllerDeps } from './deps.js';
import { expandVolumeMethod } from './expand-volume.js';
import { getCapacityMethod } from './get-capacity.js';
import { getSnapshotMethod } from './get-snapshot.js';
import { getVolumeMethod } from './get-volume.js';
import { listSnapshotsMethod } from './list-snapshots.js';
import { listVolumesMethod } from './list-volumes.js';
import { modifyVolumeMethod } from './modify-volume.js';
import { validateVolumeCapabilitiesMethod } from './validate-capabilities.js';

export type { ControllerDeps } from './deps.js';
export { CONTROLLER_CAPABILITIES } from './capabilities.js';

/**
 * The CSI Controller service (method names as in csi.proto). ControllerPublishVolume and
 * ControllerUnpublishVolume are left out on purpose: the adapter answers UNIMPLEMENTED, matching the
 * capabilities we advertise.
 */
export function controllerService(deps: ControllerDeps): ServiceImpl {
  const ctx = resolveDeps(deps);
  return {
    CreateVolume: createVolumeMethod(ctx),
    DeleteVolume: deleteVolumeMethod(ctx),
    ControllerExpandVolume: expandVolumeMethod(ctx),
    ControllerModifyVolume: modifyVolumeMethod(ctx),
    CreateSnapshot: createSnapshotMethod(ctx),
    DeleteSnapshot: deleteSnapshotMethod(ctx),
    ListVolumes: listVolumesMethod(ctx),
    ListSnapshots: listSnapshotsMethod(ctx),
    GetSnapshot: getSnapshotMethod(ctx),
    ControllerGetVolume: getVolumeMethod(ctx),
    ValidateVolumeCapabilities: validateVolumeCapabilitiesMethod(ctx),
    GetCapacity: getCapacityMethod(ctx),
    ControllerGetCapabilities: getCapabilitiesMethod(),
  };
}

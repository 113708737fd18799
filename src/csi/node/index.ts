/** The CSI Node service (DESIGN.md §3): bind-mount publish, statfs stats, topology. Stage/unstage are absent. */
import type { ServiceImpl } from '../../grpc/handler.js';
import { invalidArgument } from '../errors.js';
import { MAX_NODE_ID_BYTES, requireString } from '../fields.js';
import { getCapabilities } from './capabilities.js';
import type { NodeDeps } from './deps.js';
import { expandVolume } from './expand.js';
import { getInfo } from './info.js';
import { publishVolume } from './publish.js';
import { getVolumeStats } from './stats.js';
import { unpublishVolume } from './unpublish.js';

export type { NodeDeps } from './deps.js';
export type { NodeVolume, NodeVolumeLookup } from './lookup.js';

/** Configuration errors surface at start-up, not as a broken NodeGetInfo later. */
function checkDeps(deps: NodeDeps): void {
  requireString(deps.nodeId, 'node id', MAX_NODE_ID_BYTES);
  const max = deps.maxVolumesPerNode;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0)) {
    throw invalidArgument(`max volumes per node must be a non-negative integer, got ${max}`);
  }
}

/** Method names are csi.proto's; NodeStageVolume/NodeUnstageVolume are left out (UNIMPLEMENTED). */
export function nodeService(deps: NodeDeps) {
  checkDeps(deps);
  return {
    NodePublishVolume: publishVolume(deps),
    NodeUnpublishVolume: unpublishVolume(deps),
    NodeGetVolumeStats: getVolumeStats(deps),
    NodeExpandVolume: expandVolume(deps),
    NodeGetInfo: getInfo(deps),
    NodeGetCapabilities: getCapabilities(),
  } satisfies ServiceImpl;
}

export type NodeService = ReturnType<typeof nodeService>;

import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeGetCapabilitiesRequest__Output } from '../../grpc/gen/csi/v1/NodeGetCapabilitiesRequest.js';
import type { NodeGetCapabilitiesResponse } from '../../grpc/gen/csi/v1/NodeGetCapabilitiesResponse.js';

/**
 * No STAGE_UNSTAGE_VOLUME: a dataset is mounted by ZFS at its mount root, so there is no per-node staging
 * step; publish is a bind mount. SINGLE_NODE_MULTI_WRITER lets Kubernetes send the finer single-node
 * modes (ReadWriteOncePod → SINGLE_NODE_SINGLE_WRITER).
 */
export const NODE_CAPABILITIES = [
  'GET_VOLUME_STATS',
  'EXPAND_VOLUME',
  'VOLUME_CONDITION',
  'SINGLE_NODE_MULTI_WRITER',
] as const;

export function getCapabilities(): MethodSpec<NodeGetCapabilitiesRequest__Output, NodeGetCapabilitiesResponse> {
  const response: NodeGetCapabilitiesResponse = {
    capabilities: NODE_CAPABILITIES.map((type) => ({ rpc: { type } })),
  };
  return { handle: async () => response };
}

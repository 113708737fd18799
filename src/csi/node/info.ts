import type { MethodSpec } from '../../grpc/handler.js';
import type { NodeGetInfoRequest__Output } from '../../grpc/gen/csi/v1/NodeGetInfoRequest.js';
import type { NodeGetInfoResponse } from '../../grpc/gen/csi/v1/NodeGetInfoResponse.js';
import { TOPOLOGY_NODE_KEY } from '../../domain/types.js';
import type { NodeDeps } from './deps.js';

/**
 * This node's ID, volume limit and topology. The topology segment is what CreateVolume's accessibility
 * requirements name, so a volume is placed on (and only reachable from) the node that holds its pool.
 */
export function getInfo(deps: NodeDeps): MethodSpec<NodeGetInfoRequest__Output, NodeGetInfoResponse> {
  const response: NodeGetInfoResponse = {
    node_id: deps.nodeId,
    max_volumes_per_node: String(deps.maxVolumesPerNode ?? 0),
    accessible_topology: { segments: { [TOPOLOGY_NODE_KEY]: deps.nodeId } },
  };
  return { handle: async () => response };
}

import type { MethodSpec } from '../../grpc/handler.js';
import type { ControllerGetCapabilitiesRequest__Output } from '../../grpc/gen/csi/v1/ControllerGetCapabilitiesRequest.js';
import type { ControllerGetCapabilitiesResponse } from '../../grpc/gen/csi/v1/ControllerGetCapabilitiesResponse.js';

/**
 * What this controller does. No PUBLISH_UNPUBLISH_VOLUME: a dataset is only reachable on its own node, so
 * there is no attach step (the Node service bind-mounts). MODIFY_VOLUME: `zfs set` of the mutable parameters
 * (src/csi/mutable-params.ts). No LIST_VOLUMES_PUBLISHED_NODES:
 * without ControllerPublish the Kubernetes controller has no record of where a volume is published, and the
 * capability would oblige it to say (standalone fills published_node_ids from the mount table anyway).
 * VOLUME_CONDITION is honest: the backend's volumeStates reads the dataset, the pool and the agent's status.
 */
export const CONTROLLER_CAPABILITIES = [
  'CREATE_DELETE_VOLUME',
  'CREATE_DELETE_SNAPSHOT',
  'LIST_VOLUMES',
  'LIST_SNAPSHOTS',
  'GET_CAPACITY',
  'CLONE_VOLUME',
  'EXPAND_VOLUME',
  'GET_VOLUME',
  'VOLUME_CONDITION',
  'GET_SNAPSHOT',
  'SINGLE_NODE_MULTI_WRITER',
  'MODIFY_VOLUME',
] as const;

export function getCapabilitiesMethod(): MethodSpec<
  ControllerGetCapabilitiesRequest__Output,
  ControllerGetCapabilitiesResponse
> {
  const response: ControllerGetCapabilitiesResponse = {
    capabilities: CONTROLLER_CAPABILITIES.map((type) => ({ rpc: { type } })),
  };
  return { handle: () => Promise.resolve(response), logLevel: 'debug' };
}

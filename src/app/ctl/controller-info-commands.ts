/** Controller service-wide commands: capacity, controller-capabilities. */
import type { GetCapacityRequest } from '../../grpc/gen/csi/v1/GetCapacityRequest.js';
import type { GetCapacityResponse__Output } from '../../grpc/gen/csi/v1/GetCapacityResponse.js';
import { defineCommand, type Command } from './command.js';
import { capabilityLines, keyValues } from './format.js';
import type { FlagValues } from './flags.js';
import { nodeTopology } from './request-parts.js';
import { formatSize } from './size.js';

export function buildCapacity(flags: FlagValues): GetCapacityRequest {
  const node = flags.string('node');
  return {
    volume_capabilities: [],
    parameters: flags.pairs('param'),
    accessible_topology: node === undefined ? null : nodeTopology(node),
  };
}

export function capacityText(res: GetCapacityResponse__Output): string {
  return keyValues([
    ['available', formatSize(res.available_capacity)],
    ['maximum_volume_size', res.maximum_volume_size ? formatSize(res.maximum_volume_size.value) : '-'],
    ['minimum_volume_size', res.minimum_volume_size ? formatSize(res.minimum_volume_size.value) : '-'],
  ]);
}

export const controllerInfoCommands: readonly Command[] = [
  defineCommand({
    name: 'capacity',
    summary: 'GetCapacity: space available for new volumes (on one node, or all).',
    flags: {
      node: { type: 'string', value: 'NODE', help: 'only this node (topology zfs.csi.dev/node)' },
      param: { type: 'string', value: 'K=V', multiple: true, help: 'StorageClass parameters, e.g. parentDataset=pool/x' },
    },
    build: buildCapacity,
    call: (c, req, o) => c.controller.GetCapacity(req, o),
    render: capacityText,
  }),
  defineCommand({
    name: 'controller-capabilities',
    summary: 'ControllerGetCapabilities: the controller RPCs the driver serves.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.controller.ControllerGetCapabilities(req, o),
    render: (res) => capabilityLines(res.capabilities.map((cap) => cap.rpc?.type ?? 'UNKNOWN')),
  }),
];

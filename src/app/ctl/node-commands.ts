/** Node service commands: publish, unpublish, stats, node-info, node-capabilities, node-expand. */
import type { NodeExpandVolumeRequest } from '../../grpc/gen/csi/v1/NodeExpandVolumeRequest.js';
import type { NodeGetInfoResponse__Output } from '../../grpc/gen/csi/v1/NodeGetInfoResponse.js';
import type { NodeGetVolumeStatsResponse__Output } from '../../grpc/gen/csi/v1/NodeGetVolumeStatsResponse.js';
import type { NodePublishVolumeRequest } from '../../grpc/gen/csi/v1/NodePublishVolumeRequest.js';
import type { VolumeUsage__Output } from '../../grpc/gen/csi/v1/VolumeUsage.js';
import { defineCommand, type Command } from './command.js';
import { capabilityLines, condition, keyValues, table, topologies } from './format.js';
import type { FlagValues } from './flags.js';
import { ACCESS_MODE_FLAG, accessMode, mountCapability } from './request-parts.js';
import { formatSize } from './size.js';

const VOLUME_ID = { type: 'string', value: 'ID', help: 'volume ID', required: true } as const;
const PATH = { type: 'string', value: 'DIR', help: 'a path where the volume is published', required: true } as const;

export function buildPublish(flags: FlagValues): NodePublishVolumeRequest {
  return {
    volume_id: flags.required('volume-id'),
    target_path: flags.required('target'),
    volume_capability: mountCapability(accessMode(flags)),
    readonly: flags.bool('readonly'),
  };
}

export function buildNodeExpand(flags: FlagValues): NodeExpandVolumeRequest {
  const size = flags.size('size');
  return {
    volume_id: flags.required('volume-id'),
    volume_path: flags.required('path'),
    capacity_range: size === undefined ? null : { required_bytes: size.toString(), limit_bytes: '0' },
  };
}

const usageCell = (u: VolumeUsage__Output, field: 'used' | 'available' | 'total'): string =>
  u.unit === 'BYTES' ? formatSize(u[field]) : u[field];

export function statsText(res: NodeGetVolumeStatsResponse__Output): string {
  const rows = res.usage.map((u) => [u.unit, usageCell(u, 'used'), usageCell(u, 'available'), usageCell(u, 'total')]);
  const usage = table(['UNIT', 'USED', 'AVAILABLE', 'TOTAL'], rows, '(no usage reported)');
  return `${usage}\n${keyValues([['condition', condition(res.volume_condition)]])}`;
}

export function nodeInfoText(res: NodeGetInfoResponse__Output): string {
  return keyValues([
    ['node_id', res.node_id],
    ['max_volumes_per_node', res.max_volumes_per_node === '0' ? 'unlimited' : res.max_volumes_per_node],
    ['topology', topologies(res.accessible_topology ? [res.accessible_topology] : [])],
  ]);
}

export const nodeCommands: readonly Command[] = [
  defineCommand({
    name: 'publish',
    summary: 'NodePublishVolume: make a volume appear at a directory (a bind mount).',
    flags: {
      'volume-id': VOLUME_ID,
      target: { type: 'string', value: 'DIR', help: 'target path (its parent must exist)', required: true },
      readonly: { type: 'boolean', help: 'publish read-only' },
      'access-mode': ACCESS_MODE_FLAG,
    },
    build: buildPublish,
    call: (c, req, o) => c.node.NodePublishVolume(req, o),
    render: (_res, req) => `published ${req.volume_id ?? ''} at ${req.target_path ?? ''}${req.readonly ? ' (read-only)' : ''}`,
  }),
  defineCommand({
    name: 'unpublish',
    summary: 'NodeUnpublishVolume: undo a publish.',
    flags: { 'volume-id': VOLUME_ID, target: { type: 'string', value: 'DIR', help: 'target path', required: true } },
    build: (f) => ({ volume_id: f.required('volume-id'), target_path: f.required('target') }),
    call: (c, req, o) => c.node.NodeUnpublishVolume(req, o),
    render: (_res, req) => `unpublished ${req.volume_id ?? ''} from ${req.target_path ?? ''}`,
  }),
  defineCommand({
    name: 'stats',
    summary: 'NodeGetVolumeStats: bytes and inodes used at a published path.',
    flags: { 'volume-id': VOLUME_ID, path: PATH },
    build: (f) => ({ volume_id: f.required('volume-id'), volume_path: f.required('path') }),
    call: (c, req, o) => c.node.NodeGetVolumeStats(req, o),
    render: statsText,
  }),
  defineCommand({
    name: 'node-info',
    summary: 'NodeGetInfo: the node ID and topology.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.node.NodeGetInfo(req, o),
    render: nodeInfoText,
  }),
  defineCommand({
    name: 'node-capabilities',
    summary: 'NodeGetCapabilities: the node RPCs the driver serves.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.node.NodeGetCapabilities(req, o),
    render: (res) => capabilityLines(res.capabilities.map((cap) => cap.rpc?.type ?? 'UNKNOWN')),
  }),
  defineCommand({
    name: 'node-expand',
    summary: 'NodeExpandVolume: finish an expansion on the node.',
    flags: { 'volume-id': VOLUME_ID, path: PATH, size: { type: 'string', value: 'SIZE', help: 'the new size' } },
    build: buildNodeExpand,
    call: (c, req, o) => c.node.NodeExpandVolume(req, o),
    render: (res) => keyValues([['capacity', res.capacity_bytes === '0' ? 'unknown' : formatSize(res.capacity_bytes)]]),
  }),
];

/** Controller volume commands: create, delete, expand, modify, list, get, validate. */
import type { ControllerExpandVolumeRequest } from '../../grpc/gen/csi/v1/ControllerExpandVolumeRequest.js';
import type { ControllerModifyVolumeRequest } from '../../grpc/gen/csi/v1/ControllerModifyVolumeRequest.js';
import type { CreateVolumeRequest } from '../../grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { ListVolumesRequest } from '../../grpc/gen/csi/v1/ListVolumesRequest.js';
import type { ValidateVolumeCapabilitiesRequest } from '../../grpc/gen/csi/v1/ValidateVolumeCapabilitiesRequest.js';
import type { ValidateVolumeCapabilitiesResponse__Output } from '../../grpc/gen/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import type { VolumeContentSource } from '../../grpc/gen/csi/v1/VolumeContentSource.js';
import { defineCommand, type Command } from './command.js';
import { keyValues, pairs } from './format.js';
import { UsageError, type FlagSpecs, type FlagValues } from './flags.js';
import { ACCESS_MODE_FLAG, accessMode, capacityRange, mountCapability, nodeTopology } from './request-parts.js';
import { formatSize } from './size.js';
import { volumeTable, volumeText } from './volume-format.js';

const VOLUME_ID = { type: 'string', value: 'ID', help: 'volume ID', required: true } as const;
const PARAM = { type: 'string', value: 'K=V', multiple: true, help: 'a StorageClass parameter, e.g. compression=lz4' } as const;
// Issue #10: the VolumeAttributesClass keys that ControllerModifyVolume may change later (docs/parameters.md).
const MUTABLE = { type: 'string', value: 'K=V', multiple: true, help: 'a mutable parameter, e.g. compression=zstd (docs/parameters.md)' } as const;
const PAGING: FlagSpecs = {
  'max-entries': { type: 'string', value: 'N', help: 'at most N entries per page (0: driver default)' },
  'starting-token': { type: 'string', value: 'T', help: 'continue from a next token' },
};

function contentSourceOf(flags: FlagValues): VolumeContentSource | null {
  const snapshot = flags.string('from-snapshot');
  const volume = flags.string('from-volume');
  if (snapshot !== undefined && volume !== undefined) throw new UsageError('give --from-snapshot or --from-volume, not both');
  if (snapshot !== undefined) return { snapshot: { snapshot_id: snapshot } };
  if (volume !== undefined) return { volume: { volume_id: volume } };
  return null;
}

export function buildCreateVolume(flags: FlagValues): CreateVolumeRequest {
  const node = flags.string('node');
  return {
    name: flags.required('name'),
    capacity_range: capacityRange(flags, 'size', 'limit-size'),
    volume_capabilities: [mountCapability(accessMode(flags))],
    parameters: flags.pairs('param'),
    mutable_parameters: flags.pairs('mutable-param'),
    volume_content_source: contentSourceOf(flags),
    // Like a WaitForFirstConsumer PVC: prefer that node (DESIGN.md §1 topology key).
    accessibility_requirements: node === undefined ? null : { requisite: [], preferred: [nodeTopology(node)] },
  };
}

export function buildExpandVolume(flags: FlagValues): ControllerExpandVolumeRequest {
  const size = flags.size('size');
  if (size === undefined) throw new UsageError('--size is required');
  return { volume_id: flags.required('volume-id'), capacity_range: { required_bytes: size.toString(), limit_bytes: '0' } };
}

export function buildModifyVolume(flags: FlagValues): ControllerModifyVolumeRequest {
  const mutable = flags.pairs('mutable-param');
  if (Object.keys(mutable).length === 0) throw new UsageError('give at least one --mutable-param K=V');
  return { volume_id: flags.required('volume-id'), mutable_parameters: mutable };
}

export function buildListVolumes(flags: FlagValues): ListVolumesRequest {
  return { max_entries: flags.count('max-entries') ?? 0, starting_token: flags.string('starting-token') ?? '' };
}

export function buildValidate(flags: FlagValues): ValidateVolumeCapabilitiesRequest {
  return {
    volume_id: flags.required('volume-id'),
    volume_capabilities: [mountCapability(accessMode(flags))],
    parameters: flags.pairs('param'),
    mutable_parameters: flags.pairs('mutable-param'),
  };
}

export function validateText(res: ValidateVolumeCapabilitiesResponse__Output): string {
  if (!res.confirmed) return keyValues([['confirmed', 'no'], ['message', res.message || '-']]);
  const modes = res.confirmed.volume_capabilities.map((c) => c.access_mode?.mode ?? 'UNKNOWN');
  return keyValues([
    ['confirmed', 'yes'],
    ['access_modes', modes.join(', ') || '-'],
    ['parameters', pairs(res.confirmed.parameters)],
  ]);
}

export const volumeCommands: readonly Command[] = [
  defineCommand({
    name: 'create-volume',
    summary: 'CreateVolume: a new filesystem volume (or the existing one with that name).',
    flags: {
      name: { type: 'string', value: 'NAME', help: 'the CO\'s name for the volume (idempotency key)', required: true },
      size: { type: 'string', value: 'SIZE', help: 'required bytes: 1Gi, 512Mi, 10G or plain bytes' },
      'limit-size': { type: 'string', value: 'SIZE', help: 'largest acceptable size' },
      param: PARAM,
      'mutable-param': MUTABLE,
      'from-snapshot': { type: 'string', value: 'ID', help: 'restore this snapshot into the new volume' },
      'from-volume': { type: 'string', value: 'ID', help: 'clone this volume' },
      'access-mode': ACCESS_MODE_FLAG,
      node: { type: 'string', value: 'NODE', help: 'preferred node (topology zfs.csi.dev/node)' },
    },
    build: buildCreateVolume,
    call: (c, req, o) => c.controller.CreateVolume(req, o),
    render: (res) => volumeText(res.volume),
  }),
  defineCommand({
    name: 'delete-volume',
    summary: 'DeleteVolume: delete a volume (its snapshots stay usable).',
    flags: { 'volume-id': VOLUME_ID },
    build: (f) => ({ volume_id: f.required('volume-id') }),
    call: (c, req, o) => c.controller.DeleteVolume(req, o),
    render: (_res, req) => `deleted volume ${req.volume_id}`,
  }),
  defineCommand({
    name: 'expand-volume',
    summary: 'ControllerExpandVolume: grow a volume.',
    flags: { 'volume-id': VOLUME_ID, size: { type: 'string', value: 'SIZE', help: 'new size', required: true } },
    build: buildExpandVolume,
    call: (c, req, o) => c.controller.ControllerExpandVolume(req, o),
    render: (res) =>
      keyValues([
        ['capacity', formatSize(res.capacity_bytes)],
        ['node_expansion_required', String(res.node_expansion_required)],
      ]),
  }),
  defineCommand({
    name: 'modify-volume',
    summary: 'ControllerModifyVolume: change mutable parameters of a volume (compression, recordsize, ...).',
    flags: { 'volume-id': VOLUME_ID, 'mutable-param': { ...MUTABLE, required: true } },
    build: buildModifyVolume,
    call: (c, req, o) => c.controller.ControllerModifyVolume(req, o),
    render: (_res, req) => `modified volume ${req.volume_id ?? ''}: ${pairs(req.mutable_parameters ?? {})}`,
  }),
  defineCommand({
    name: 'list-volumes',
    summary: 'ListVolumes: one page of volumes.',
    flags: PAGING,
    build: buildListVolumes,
    call: (c, req, o) => c.controller.ListVolumes(req, o),
    render: volumeTable,
  }),
  defineCommand({
    name: 'get-volume',
    summary: 'ControllerGetVolume: one volume and its status.',
    flags: { 'volume-id': VOLUME_ID },
    build: (f) => ({ volume_id: f.required('volume-id') }),
    call: (c, req, o) => c.controller.ControllerGetVolume(req, o),
    render: (res) => volumeText(res.volume, res.status ?? { published_node_ids: [], volume_condition: null }),
  }),
  defineCommand({
    name: 'validate-volume-capabilities',
    summary: 'ValidateVolumeCapabilities: whether a volume supports an access mode.',
    flags: { 'volume-id': VOLUME_ID, 'access-mode': ACCESS_MODE_FLAG, param: PARAM, 'mutable-param': MUTABLE },
    build: buildValidate,
    call: (c, req, o) => c.controller.ValidateVolumeCapabilities(req, o),
    render: validateText,
  }),
];

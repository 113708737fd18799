/** Request pieces several commands share: access modes, volume capabilities, topology, capacity ranges. */
import type { CapacityRange } from '../../grpc/gen/csi/v1/CapacityRange.js';
import type { Topology } from '../../grpc/gen/csi/v1/Topology.js';
import type { VolumeCapability } from '../../grpc/gen/csi/v1/VolumeCapability.js';
import { TOPOLOGY_NODE_KEY } from '../../domain/types.js';
import { UsageError, type FlagSpec, type FlagValues } from './flags.js';

const ACCESS_MODES = [
  'SINGLE_NODE_WRITER',
  'SINGLE_NODE_READER_ONLY',
  'MULTI_NODE_READER_ONLY',
  'MULTI_NODE_SINGLE_WRITER',
  'MULTI_NODE_MULTI_WRITER',
  'SINGLE_NODE_SINGLE_WRITER',
  'SINGLE_NODE_MULTI_WRITER',
] as const;
export type AccessModeName = (typeof ACCESS_MODES)[number];

const kebab = (mode: string): string => mode.toLowerCase().replaceAll('_', '-');

export const ACCESS_MODE_FLAG: FlagSpec = {
  type: 'string',
  value: 'MODE',
  help: 'CSI access mode in kebab-case, e.g. single-node-single-writer (default single-node-writer)',
};

/** `single-node-writer` (or `SINGLE_NODE_WRITER`) → the CSI enum name. Every CSI mode is accepted: the driver decides. */
export function accessMode(flags: FlagValues): AccessModeName {
  const given = flags.string('access-mode') ?? 'single-node-writer';
  const mode = ACCESS_MODES.find((m) => m === given.toUpperCase().replaceAll('-', '_'));
  if (mode === undefined) throw new UsageError(`--access-mode ${JSON.stringify(given)} is not one of ${ACCESS_MODES.map(kebab).join(', ')}`);
  return mode;
}

/** A filesystem (mount) capability with the given access mode: the only kind this driver serves. */
export function mountCapability(mode: AccessModeName): VolumeCapability {
  return { mount: { fs_type: '', mount_flags: [] }, access_mode: { mode } };
}

export function nodeTopology(node: string): Topology {
  return { segments: { [TOPOLOGY_NODE_KEY]: node } };
}

/** required/limit bytes from two size flags; null when neither is given (the driver picks its default). */
export function capacityRange(flags: FlagValues, requiredFlag: string, limitFlag?: string): CapacityRange | null {
  const required = flags.size(requiredFlag);
  const limit = limitFlag === undefined ? undefined : flags.size(limitFlag);
  if (required === undefined && limit === undefined) return null;
  if (required !== undefined && limit !== undefined && limit !== 0n && limit < required) {
    throw new UsageError(`--${limitFlag ?? 'limit'} is smaller than --${requiredFlag}`);
  }
  return { required_bytes: (required ?? 0n).toString(), limit_bytes: (limit ?? 0n).toString() };
}

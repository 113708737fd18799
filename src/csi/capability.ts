import { invalidArgument } from './errors.js';

/** The access modes this driver serves: one node owns the pool, so only single-node modes (CSI AccessMode). */
export const SINGLE_NODE_MODES = [
  'SINGLE_NODE_WRITER',
  'SINGLE_NODE_READER_ONLY',
  'SINGLE_NODE_SINGLE_WRITER',
  'SINGLE_NODE_MULTI_WRITER',
] as const;
export type AccessMode = (typeof SINGLE_NODE_MODES)[number];

/** The shape of csi.v1.VolumeCapability as proto-loader decodes it (structural, so any layer can pass it). */
export interface VolumeCapabilityInput {
  readonly mount?: { readonly fs_type?: string; readonly mount_flags?: readonly string[] } | null;
  readonly block?: object | null;
  readonly access_mode?: { readonly mode?: string } | null;
}

export interface Capability {
  readonly mode: AccessMode;
  readonly fsType: string;
  readonly mountFlags: readonly string[];
  readonly readOnlyMode: boolean;
}

/** Why a capability cannot be served, or undefined when it can (ValidateVolumeCapabilities uses the text). */
export function unsupportedReason(cap: VolumeCapabilityInput): string | undefined {
  if (cap.block) return 'block volumes are not supported: ZFS datasets are filesystems';
  if (!cap.mount) return 'volume capability needs an access type (mount)';
  const fs = cap.mount.fs_type ?? '';
  if (fs !== '' && fs !== 'zfs') return `fs_type ${JSON.stringify(fs)} is not supported (only zfs)`;
  const mode = cap.access_mode?.mode;
  if (mode === undefined || mode === 'UNKNOWN') return 'volume capability needs an access mode';
  if (!(SINGLE_NODE_MODES as readonly string[]).includes(mode)) {
    return `access mode ${mode} is not supported: a ZFS dataset lives on one node`;
  }
  return undefined;
}

/** Parses one capability; INVALID_ARGUMENT with the reason when it cannot be served. */
export function parseCapability(cap: VolumeCapabilityInput | undefined | null): Capability {
  if (!cap) throw invalidArgument('volume_capability is required');
  const reason = unsupportedReason(cap);
  if (reason !== undefined) throw invalidArgument(reason);
  const mode = cap.access_mode?.mode as AccessMode;
  return {
    mode,
    fsType: 'zfs',
    mountFlags: cap.mount?.mount_flags ?? [],
    readOnlyMode: mode === 'SINGLE_NODE_READER_ONLY',
  };
}

/** A required, non-empty list of capabilities, each supported. */
export function parseCapabilities(caps: readonly VolumeCapabilityInput[] | undefined | null): Capability[] {
  if (!caps || caps.length === 0) throw invalidArgument('volume_capabilities is required');
  return caps.map((c) => parseCapability(c));
}

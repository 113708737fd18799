import type { SnapshotSpec, VolumeRecord, VolumeSpec } from '../domain/types.js';
import type { ZfsProps } from '../zfs/zfs.js';
import { P, encodeParams, encodeSource, encodeText } from './props.js';

/**
 * The reservation of a thick volume, paired with its quota type: `quota` counts snapshots, so a
 * refreservation equal to it leaves no room for any snapshot (zfs snapshot: "out of space"), while a
 * `reservation` covers the dataset and its snapshots together, as the quota does.
 */
function reservation(params: VolumeSpec['params'], size: string): ZfsProps {
  if (params.thin) return {};
  return params.quotaType === 'quota' ? { reservation: size } : { refreservation: size };
}

/** Pure: the properties of a new volume, all set in its one create/clone command (DESIGN.md §3). */
export function volumeProps(spec: VolumeSpec, mountpoint: string): ZfsProps {
  const size = spec.capacityBytes.toString();
  return {
    ...spec.params.properties,
    [spec.params.quotaType]: size,
    ...reservation(spec.params, size),
    mountpoint,
    [P.managed]: 'true',
    [P.kind]: 'volume',
    [P.volumeId]: spec.id,
    [P.csiName]: encodeText(spec.name),
    [P.node]: spec.node,
    [P.source]: encodeSource(spec.source),
    [P.params]: encodeParams(spec.params),
  };
}

/** Pure: the user properties of a CSI snapshot, written by `zfs snapshot -o`. */
export function snapshotProps(spec: SnapshotSpec, source: VolumeRecord, created: Date): ZfsProps {
  return {
    [P.managed]: 'true',
    [P.kind]: 'snapshot',
    [P.snapshotId]: spec.id,
    [P.csiName]: encodeText(spec.name),
    [P.node]: spec.node,
    [P.sourceVolume]: source.id,
    [P.size]: source.capacityBytes.toString(),
    [P.created]: String(created.getTime()),
  };
}

/** Pure: the hidden snapshot a volume-to-volume clone is made from (DESIGN.md §3). */
export function helperProps(forVolumeId: string): ZfsProps {
  return { [P.managed]: 'true', [P.kind]: 'clone-helper', [P.helperFor]: forVolumeId };
}

/**
 * The whole quota and reservation state of a volume under its rule (ControllerModifyVolume of quotaType or
 * thin): the rule's quota and reservation at size, the other rule's cleared. Absolute, so it is safe to repeat.
 */
export function quotaProps(params: VolumeSpec['params'], bytes: bigint): ZfsProps {
  const size = bytes.toString();
  const cleared = { quota: 'none', refquota: 'none', reservation: 'none', refreservation: 'none' };
  return { ...cleared, [params.quotaType]: size, ...reservation(params, size) };
}

/** Properties that change when a volume grows: the quota, and the reservation of a thick volume. */
export function expandProps(record: VolumeRecord, bytes: bigint): ZfsProps {
  const size = bytes.toString();
  return { [record.params.quotaType]: size, ...reservation(record.params, size) };
}

export const helperSnapshotName = (sourceDataset: string, forVolumeId: string): string =>
  `${sourceDataset}@clone-${forVolumeId}`;

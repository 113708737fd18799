/**
 * Pure conversions between the custom resources (src/store/kube/resources.ts) and the provisioner's domain
 * values (src/domain/types.ts). The resource is the intent; these turn it into what the provisioner takes.
 */
import type { ContentSource, SnapshotRecord, SnapshotSpec, VolumeRecord, VolumeSpec } from '../domain/types.js';
import { NO_CHANGE, sameChange, withChange, type VolumeChange } from '../domain/volume-change.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import { FINALIZER, creationParams } from '../store/kube/resources.js';

/** An imported volume keeps its dataset's name (docs/import.md); one the driver made is named by its ID. */
export const volumeDataset = (v: ZfsVolume): string => v.spec.importDataset ?? `${v.spec.parentDataset}/${v.spec.volumeId}`;

/** `parent/volume@snap` → `parent`. */
export const parentOfSnapshot = (zfsName: string): string => {
  const dataset = zfsName.slice(0, zfsName.indexOf('@'));
  return dataset.slice(0, dataset.lastIndexOf('/'));
};

function contentSource(v: ZfsVolume): ContentSource | undefined {
  const s = v.spec.contentSource;
  if (!s) return undefined;
  return s.kind === 'snapshot' ? { kind: 'snapshot', snapshotId: s.id } : { kind: 'volume', volumeId: s.id };
}

export function volumeSpecOf(v: ZfsVolume): VolumeSpec {
  const source = contentSource(v);
  return {
    id: v.spec.volumeId,
    name: v.spec.csiName,
    node: v.spec.nodeName,
    parent: v.spec.parentDataset,
    capacityBytes: BigInt(v.spec.requestedBytes),
    ...(source ? { source } : {}),
    // What the volume is to have now: ControllerModifyVolume's values win over the creation parameters.
    params: withChange(creationParams(v.spec), wantedChange(v)),
  };
}

/** spec.mutableParameters: what ControllerModifyVolume asked for so far. */
export const wantedChange = (v: ZfsVolume): VolumeChange => v.spec.mutableParameters ?? NO_CHANGE;

/** True when ZFS holds what spec.mutableParameters asks (status.appliedParameters says so). */
export const changeApplied = (v: ZfsVolume): boolean =>
  sameChange(wantedChange(v), v.status?.appliedParameters ?? NO_CHANGE);

/** The record of a volume the agent made (status written), for expand, snapshot and clone. */
export function volumeRecordOf(v: ZfsVolume, mountpointOf: (id: string) => string): VolumeRecord {
  const st = v.status ?? {};
  return {
    ...volumeSpecOf(v),
    capacityBytes: BigInt(st.capacityBytes ?? v.spec.requestedBytes),
    dataset: st.dataset ?? volumeDataset(v),
    mountpoint: st.mountpoint ?? mountpointOf(v.spec.volumeId),
    retired: st.deletion === 'Retired',
    usedBytes: BigInt(st.usedBytes ?? '0'),
  };
}

export function snapshotSpecOf(s: ZfsSnapshot): SnapshotSpec {
  return { id: s.spec.snapshotId, name: s.spec.csiName, sourceVolumeId: s.spec.sourceVolumeId, node: s.spec.nodeName };
}

/** The record of a snapshot the agent made; undefined until its status names the ZFS snapshot. */
export function snapshotRecordOf(s: ZfsSnapshot): SnapshotRecord | undefined {
  const st = s.status ?? {};
  if (!st.zfsName || !st.sizeBytes) return undefined;
  return {
    ...snapshotSpecOf(s),
    zfsName: st.zfsName,
    creationTime: new Date(st.creationTime ?? 0),
    sizeBytes: BigInt(st.sizeBytes),
    readyToUse: st.readyToUse ?? false,
  };
}

export const hasFinalizer = (meta: { readonly finalizers?: readonly string[] }): boolean =>
  (meta.finalizers ?? []).includes(FINALIZER);

/** Ready with nothing left to do: what start-up adoption and the reconciler both skip. */
export function volumeSettled(v: ZfsVolume): boolean {
  const st = v.status ?? {};
  return (
    st.phase === 'Ready' &&
    st.observedGeneration === v.metadata.generation &&
    st.code === undefined &&
    st.deletion === undefined &&
    st.capacityBytes !== undefined &&
    BigInt(st.capacityBytes) >= BigInt(v.spec.requestedBytes) &&
    changeApplied(v)
  );
}

export function snapshotSettled(s: ZfsSnapshot): boolean {
  const st = s.status ?? {};
  return st.phase === 'Ready' && st.readyToUse === true && st.zfsName !== undefined && st.code === undefined &&
    st.observedGeneration === s.metadata.generation;
}

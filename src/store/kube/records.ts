/**
 * The controller's view of its custom resources: what the CO may see (visibility rules), the domain records
 * built from spec + status, and the bodies the controller writes (docs/kubernetes-mode.md).
 */
import {
  foreignPolicyOf, type ContentSource, type SnapshotRecord, type SnapshotSpec, type VolumeParams, type VolumeRecord, type VolumeSpec,
} from '../../domain/types.js';
import { NO_CHANGE, withChange } from '../../domain/volume-change.js';
import { decodeVolume } from './decode.js';
import {
  API_VERSION, KIND, NODE_LABEL, creationParams, type ContentSourceSpec, type ZfsSnapshot, type ZfsVolume,
} from './resources.js';

/**
 * The StorageClass's own `parentDataset` parameter (VolumeParams.parentDataset), kept so a retried
 * CreateVolume compares equal (sameParams). spec.parentDataset holds the resolved parent, which cannot tell
 * "asked for X" from "defaulted to X". An annotation, so a structural CRD schema never prunes it.
 */
export const PARENT_PARAM_ANNOTATION = 'zfs.csi.dev/parent-dataset-parameter';

/** A ZfsVolume plus what only the controller reads from it. */
export type ControllerVolume = ZfsVolume & { readonly parentParam?: string };

export function decodeControllerVolume(raw: unknown): ControllerVolume | undefined {
  const v = decodeVolume(raw);
  if (!v) return undefined;
  const meta = (raw as { metadata?: { annotations?: unknown } }).metadata;
  const annotations = meta?.annotations;
  const param = typeof annotations === 'object' && annotations !== null
    ? (annotations as Record<string, unknown>)[PARENT_PARAM_ANNOTATION]
    : undefined;
  return typeof param === 'string' && param !== '' ? { ...v, parentParam: param } : v;
}

/** Deletion intent recorded, or on its way out: the CO's DeleteVolume already happened (or a person's). */
export function isDeleting(o: ZfsVolume | ZfsSnapshot): boolean {
  const verdict = o.status?.deletion;
  // InUse is a refusal: the volume stays the CO's (the controller patched deletionRequested back).
  return o.spec.deletionRequested === true || o.metadata.deletionTimestamp !== undefined ||
    verdict === 'Destroyed' || verdict === 'Retired';
}

/**
 * Lost or Unavailable after the agent had made it (one that never became Ready never was the CO's). Unavailable
 * is only ever set on a Ready resource (src/agent/adopt.ts).
 */
const unseenAfterReady = (v: ZfsVolume): boolean =>
  (v.status?.phase === 'Lost' || v.status?.phase === 'Unavailable') && v.status.dataset !== undefined;
const lostAfterReady = unseenAfterReady;
const lostSnapshot = (s: ZfsSnapshot): boolean =>
  (s.status?.phase === 'Lost' || s.status?.phase === 'Unavailable') && s.status.zfsName !== undefined;

/** Ready (or Lost/Unavailable after being Ready: still the CO's, it must see and delete it) and not being deleted. */
export function volumeVisible(v: ZfsVolume): boolean {
  return !isDeleting(v) && (v.status?.phase === 'Ready' || unseenAfterReady(v));
}

/** A candidate for findVolumeByName: the CO's volume, or one still being created (Pending). */
export function volumeClaimsName(v: ZfsVolume, name: string): boolean {
  const phase = v.status?.phase;
  return v.spec.csiName === name && !isDeleting(v) && phase !== 'Failed' && (phase !== 'Lost' || lostAfterReady(v));
}

export function snapshotVisible(s: ZfsSnapshot): boolean {
  return !isDeleting(s) && (s.status?.readyToUse === true || lostSnapshot(s));
}

export function snapshotClaimsName(s: ZfsSnapshot, name: string): boolean {
  const phase = s.status?.phase;
  return s.spec.csiName === name && !isDeleting(s) && phase !== 'Failed' && (phase !== 'Lost' || lostSnapshot(s));
}

function toSource(s: ContentSourceSpec | undefined): ContentSource | undefined {
  if (s === undefined) return undefined;
  return s.kind === 'snapshot' ? { kind: 'snapshot', snapshotId: s.id } : { kind: 'volume', volumeId: s.id };
}

function fromSource(s: ContentSource | undefined): ContentSourceSpec | undefined {
  if (s === undefined) return undefined;
  return s.kind === 'snapshot' ? { kind: 'snapshot', id: s.snapshotId } : { kind: 'volume', id: s.volumeId };
}

/**
 * What the volume has now: its creation parameters with what the agent reports it changed since
 * (status.appliedParameters; a modification still pending in spec is not the volume's yet).
 */
function paramsOf(v: ControllerVolume): VolumeParams {
  const base = creationParams(v.spec);
  const created = v.parentParam === undefined ? base : { ...base, parentDataset: v.parentParam };
  return withChange(created, v.status?.appliedParameters ?? NO_CHANGE);
}

export function toVolumeRecord(v: ControllerVolume): VolumeRecord {
  const s = v.spec;
  const st = v.status ?? {};
  const source = toSource(s.contentSource);
  return {
    id: s.volumeId,
    name: s.csiName,
    node: s.nodeName,
    parent: s.parentDataset,
    // The agent's figure once it has one: a pending expansion is not yet the volume's size.
    capacityBytes: BigInt(st.capacityBytes ?? s.requestedBytes),
    params: paramsOf(v),
    ...(source === undefined ? {} : { source }),
    dataset: st.dataset ?? s.importDataset ?? `${s.parentDataset}/${s.volumeId}`,
    mountpoint: st.mountpoint ?? '',
    retired: st.deletion === 'Retired',
    usedBytes: BigInt(st.usedBytes ?? '0'),
  };
}

export function toSnapshotRecord(s: ZfsSnapshot): SnapshotRecord {
  const st = s.status ?? {};
  const created = st.creationTime === undefined ? new Date(s.metadata.creationTimestamp ?? 0) : new Date(st.creationTime);
  return {
    id: s.spec.snapshotId,
    name: s.spec.csiName,
    sourceVolumeId: s.spec.sourceVolumeId,
    node: s.spec.nodeName,
    zfsName: st.zfsName ?? '',
    creationTime: Number.isNaN(created.getTime()) ? new Date(0) : created,
    sizeBytes: BigInt(st.sizeBytes ?? '0'),
    readyToUse: st.readyToUse === true,
  };
}

/** A resource as written by create (the controller's, or the agent's CR recovery, src/agent/recovery.ts). */
export interface ResourceBody {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly finalizers?: readonly string[];
  };
  readonly spec: object;
}

/** The ZfsVolume the controller creates for spec (docs/kubernetes-mode.md, "Create"). */
export function volumeBody(spec: VolumeSpec): ResourceBody {
  const contentSource = fromSource(spec.source);
  const parentParam = spec.params.parentDataset;
  return {
    apiVersion: API_VERSION,
    kind: KIND.volume,
    metadata: {
      name: spec.id,
      labels: { [NODE_LABEL]: spec.node },
      ...(parentParam === undefined ? {} : { annotations: { [PARENT_PARAM_ANNOTATION]: parentParam } }),
    },
    spec: {
      csiName: spec.name,
      volumeId: spec.id,
      nodeName: spec.node,
      parentDataset: spec.parent,
      requestedBytes: spec.capacityBytes.toString(),
      properties: { ...spec.params.properties },
      quotaType: spec.params.quotaType,
      thin: spec.params.thin,
      ...(spec.params.foreignSnapshots === undefined ? {} : { foreignSnapshots: spec.params.foreignSnapshots }),
      ...(contentSource === undefined ? {} : { contentSource }),
    },
  };
}

/** True when an existing resource records exactly this spec (a repeated create, not a collision). */
export function sameVolumeSpec(v: ControllerVolume, spec: VolumeSpec): boolean {
  const a = toVolumeRecord(v);
  const props = (p: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(p).sort());
  return a.name === spec.name && a.node === spec.node && a.parent === spec.parent &&
    v.spec.requestedBytes === spec.capacityBytes.toString() &&
    JSON.stringify(fromSource(a.source)) === JSON.stringify(fromSource(spec.source)) &&
    props(a.params.properties) === props(spec.params.properties) && a.params.quotaType === spec.params.quotaType &&
    a.params.thin === spec.params.thin && a.params.parentDataset === spec.params.parentDataset &&
    foreignPolicyOf(a.params) === foreignPolicyOf(spec.params);
}

export function snapshotBody(spec: SnapshotSpec): ResourceBody {
  return {
    apiVersion: API_VERSION,
    kind: KIND.snapshot,
    metadata: { name: spec.id, labels: { [NODE_LABEL]: spec.node } },
    spec: { csiName: spec.name, snapshotId: spec.id, sourceVolumeId: spec.sourceVolumeId, nodeName: spec.node },
  };
}

export function sameSnapshotSpec(s: ZfsSnapshot, spec: SnapshotSpec): boolean {
  return s.spec.csiName === spec.name && s.spec.sourceVolumeId === spec.sourceVolumeId && s.spec.nodeName === spec.node;
}

import { foreignPolicyOf, type ForeignSnapshotPolicy, type QuotaType, type VolumeParams } from './types.js';

/**
 * What CSI ControllerModifyVolume asks of a live volume (its `mutable_parameters`, from a Kubernetes
 * VolumeAttributesClass), already validated by src/csi/mutable-params.ts, the only producer. Keys that are
 * absent stay as they are: a modification never resets a property, it only sets the ones it names.
 */
export interface VolumeChange {
  /** Native ZFS properties that can change on a live dataset, values normalised by their grammar. */
  readonly properties: Readonly<Record<string, string>>;
  readonly quotaType?: QuotaType;
  readonly thin?: boolean;
  /** Driver policy only (no ZFS property): what a later DeleteVolume does with foreign snapshots. */
  readonly foreignSnapshots?: ForeignSnapshotPolicy;
}

export const NO_CHANGE: VolumeChange = { properties: {} };

export function isEmptyChange(change: VolumeChange): boolean {
  return Object.keys(change.properties).length === 0 && change.quotaType === undefined && change.thin === undefined
    && change.foreignSnapshots === undefined;
}

/** True when the change touches the quota or reservation rules (quotaType, thin). */
export const changesQuota = (change: VolumeChange): boolean => change.quotaType !== undefined || change.thin !== undefined;

/** The parameters of a volume after the change: later values win, absent keys are kept. */
export function withChange(params: VolumeParams, change: VolumeChange): VolumeParams {
  return {
    ...params,
    properties: { ...params.properties, ...change.properties },
    quotaType: change.quotaType ?? params.quotaType,
    thin: change.thin ?? params.thin,
    ...(change.foreignSnapshots === undefined ? {} : { foreignSnapshots: change.foreignSnapshots }),
  };
}

/** Two changes in a row as one (`later` wins key by key): what a volume has been asked for so far. */
export function mergeChanges(earlier: VolumeChange, later: VolumeChange): VolumeChange {
  const quotaType = later.quotaType ?? earlier.quotaType;
  const thin = later.thin ?? earlier.thin;
  const foreignSnapshots = later.foreignSnapshots ?? earlier.foreignSnapshots;
  return {
    properties: { ...earlier.properties, ...later.properties },
    ...(quotaType === undefined ? {} : { quotaType }),
    ...(thin === undefined ? {} : { thin }),
    ...(foreignSnapshots === undefined ? {} : { foreignSnapshots }),
  };
}

export function sameChange(a: VolumeChange, b: VolumeChange): boolean {
  if (a.quotaType !== b.quotaType || a.thin !== b.thin || a.foreignSnapshots !== b.foreignSnapshots) return false;
  const ak = Object.keys(a.properties);
  return ak.length === Object.keys(b.properties).length && ak.every((k) => b.properties[k] === a.properties[k]);
}

/** True when params already hold every value the change names (ValidateVolumeCapabilities). */
export function holdsChange(params: VolumeParams, change: VolumeChange): boolean {
  if (change.quotaType !== undefined && change.quotaType !== params.quotaType) return false;
  if (change.thin !== undefined && change.thin !== params.thin) return false;
  if (change.foreignSnapshots !== undefined && change.foreignSnapshots !== foreignPolicyOf(params)) return false;
  return Object.entries(change.properties).every(([k, v]) => params.properties[k] === v);
}

/**
 * What is on the pool for one resource, read just before the agent destroys anything or trusts an absence.
 * "Not found" counts only while the pool and the parent are present (DESIGN.md §4 rule 6): `zfs get` of a
 * dataset in an unimported pool also says "does not exist".
 */
import { DriverError } from '../domain/errors.js';
import type { VolumeRecord } from '../domain/types.js';
import { decodeVolume } from '../provision/decode.js';
import { P, SCAN_PROPS } from '../provision/props.js';
import { isZfsError } from '../zfs/errors.js';
import type { Zfs } from '../zfs/zfs.js';

/** A refusal decided by the agent (bad spec, source not ready, pool away), with the code the CO should see. */
export class AgentError extends DriverError {}

export const poolOf = (name: string): string => name.split('/')[0] ?? name;

/** Throws UNAVAILABLE unless the pool is imported and the parent exists: only then is an absence real. */
export async function assertPresent(zfs: Zfs, parent: string, signal?: AbortSignal): Promise<void> {
  const health = await zfs.poolHealth(poolOf(parent), signal);
  if (health === undefined) throw new AgentError('UNAVAILABLE', `pool ${poolOf(parent)} is not imported`);
  try {
    await zfs.get([parent], ['type'], {}, signal);
  } catch (err) {
    if (isZfsError(err, 'not_found')) throw new AgentError('UNAVAILABLE', `parent dataset ${parent} is missing`);
    throw err;
  }
}

/**
 * The volume this driver made at `dataset` for `volumeId`, or undefined when it is proven gone.
 * Something else at that name is FAILED_PRECONDITION: it is never touched (the `owns()` rule, §3.1).
 */
export async function inspectVolume(
  zfs: Zfs, parent: string, dataset: string, volumeId: string, signal?: AbortSignal,
): Promise<VolumeRecord | undefined> {
  let info;
  try {
    [info] = await zfs.get([dataset], SCAN_PROPS, {}, signal);
  } catch (err) {
    if (!isZfsError(err, 'not_found')) throw err;
    await assertPresent(zfs, parent, signal);
    return undefined;
  }
  const record = info && info.props.get(P.managed) === 'true' ? decodeVolume(info) : undefined;
  if (!record || record.id !== volumeId) {
    throw new AgentError('FAILED_PRECONDITION', `${dataset} exists but is not the volume ${volumeId} this driver made`);
  }
  return record;
}

/** True when the snapshot this driver made exists (deferred-destroy ones included), false when proven gone. */
export async function inspectSnapshot(
  zfs: Zfs, parent: string, zfsName: string, snapshotId: string, signal?: AbortSignal,
): Promise<boolean> {
  let info;
  try {
    [info] = await zfs.get([zfsName], ['type', P.managed, P.snapshotId], {}, signal);
  } catch (err) {
    if (!isZfsError(err, 'not_found')) throw err;
    await assertPresent(zfs, parent, signal);
    return false;
  }
  if (info?.props.get(P.managed) !== 'true' || info.props.get(P.snapshotId) !== snapshotId) {
    throw new AgentError('FAILED_PRECONDITION', `${zfsName} exists but is not the snapshot ${snapshotId} this driver made`);
  }
  return true;
}

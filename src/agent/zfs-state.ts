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
 * Whether `name` is proven absent: one listing of its container (`zfs get -d 1`) shows the container
 * present and `name` not in it. Asking for the name and then, in a second command, for the container
 * proves nothing: a parent renamed back in between (seen on zfs-fuse, issue #7) makes "child not found,
 * parent present" true of a child that exists. Throws UNAVAILABLE when the pool or the container is missing.
 */
async function provenAbsent(zfs: Zfs, container: string, name: string, signal?: AbortSignal): Promise<boolean> {
  let listing;
  try {
    listing = await zfs.get([container], ['type'], { depth: 1 }, signal);
  } catch (err) {
    if (!isZfsError(err, 'not_found')) throw err;
    await assertPresent(zfs, container, signal);
    throw new AgentError('ABORTED', `${container} was missing and is back; checking again`);
  }
  return !listing.some((d) => d.name === name);
}

/** Absence of a dataset or snapshot, proven; it being there after all is ABORTED (the caller retries). */
async function assertGone(zfs: Zfs, parent: string, name: string, signal?: AbortSignal): Promise<void> {
  const at = name.indexOf('@');
  if (at >= 0) {
    const dataset = name.slice(0, at);
    let gone: boolean;
    try {
      gone = await provenAbsent(zfs, dataset, name, signal);
    } catch (err) {
      if (!(err instanceof AgentError && err.code === 'UNAVAILABLE')) throw err;
      // No dataset: its snapshots are gone with it, if the parent proves the dataset is.
      await assertPresent(zfs, parent, signal);
      gone = await provenAbsent(zfs, parent, dataset, signal);
    }
    if (!gone) throw new AgentError('ABORTED', `${name} appeared while its absence was checked; checking again`);
    return;
  }
  if (!(await provenAbsent(zfs, parent, name, signal))) {
    throw new AgentError('ABORTED', `${name} appeared while its absence was checked; checking again`);
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
    await assertGone(zfs, parent, dataset, signal);
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
    await assertGone(zfs, parent, zfsName, signal);
    return false;
  }
  if (info?.props.get(P.managed) !== 'true' || info.props.get(P.snapshotId) !== snapshotId) {
    throw new AgentError('FAILED_PRECONDITION', `${zfsName} exists but is not the snapshot ${snapshotId} this driver made`);
  }
  return true;
}

/**
 * ControllerModifyVolume on ZFS (DESIGN.md §3 mapping, issue #10 part 1): `zfs set` of the mutable parameters
 * on the live dataset, with the driver's record (`zfs.csi.dev:params`, the parameters the volume now has).
 *
 * Crash safety. Every call sets every property the change names, whatever the record already says, and a
 * quota change sets the complete quota and reservation state for the new rule (never "what differs"): the
 * set is absolute, so repeating it is harmless and finishes whatever an interrupted call left undone. The
 * CO repeats a ModifyVolume that did not answer OK (the external-resizer retries until it does), so a
 * modification a crash interrupted is finished by that retry, or its error is reported by it.
 * - Where one `zfs set` takes several properties (OpenZFS), the record travels in that same command, so
 *   the command that changes the properties is itself the record: either it ran, or the retry runs it.
 * - Where it takes one (zfs-fuse, DESIGN.md §6), the record is written first, then the properties one by
 *   one: after a crash between them the record already names what was asked (the start-up scan rebuilds
 *   it as the volume's parameters) and the CO's retry sets the rest. A value ZFS refuses (not retried by
 *   the CO) puts the record back to what the dataset holds.
 * A property this ZFS does not have (zfs-fuse has no `sync`) is refused before anything is written.
 */
import type { VolumeParams, VolumeRecord } from '../domain/types.js';
import { changesQuota, withChange, type VolumeChange } from '../domain/volume-change.js';
import { isZfsError } from '../zfs/errors.js';
import type { Zfs, ZfsProps } from '../zfs/zfs.js';
import { quotaProps } from './build.js';
import { ProvisionError } from './errors.js';
import { P, encodeParams } from './props.js';
import { onExisting } from './reachable.js';

/** Pure: the native properties a change sets on the volume (the absolute quota state when it names one). */
export function changeProps(record: VolumeRecord, change: VolumeChange): ZfsProps {
  const next = withChange(record.params, change);
  return { ...change.properties, ...(changesQuota(change) ? quotaProps(next, record.capacityBytes) : {}) };
}

async function requireSupported(zfs: Zfs, props: ZfsProps, signal: AbortSignal): Promise<boolean> {
  const caps = await zfs.capabilities(signal);
  const missing = Object.keys(props).filter((p) => !caps.properties.has(p)).sort();
  if (missing.length > 0) {
    throw new ProvisionError('INVALID_ARGUMENT',
      `mutable parameter ${missing.join(', ')} is not supported by this ZFS (${caps.implementation} ${caps.version}); nothing was changed`);
  }
  return caps.multiSet;
}

const recordOf = (params: VolumeParams): ZfsProps => ({ [P.params]: encodeParams(params) });

/** Releases before claims: a reservation moving to the other rule must not be held twice for a moment. */
function ordered(native: ZfsProps): Array<[string, string]> {
  const entries = Object.entries(native).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...entries.filter(([, v]) => v === 'none'), ...entries.filter(([, v]) => v !== 'none')];
}

/**
 * zfs-fuse: the record first, then one `zfs set` per property. When ZFS refuses a value (zfs-fuse has no
 * zstd and no recordsize above 128K), the CO will not retry that request, so the record is put back to what
 * the dataset now holds: the old parameters with the properties set before the refusal.
 */
async function setOneByOne(
  zfs: Zfs, record: VolumeRecord, change: VolumeChange, native: ZfsProps, signal: AbortSignal,
): Promise<void> {
  await zfs.set(record.dataset, recordOf(withChange(record.params, change)), signal);
  const applied: Record<string, string> = {};
  try {
    for (const [name, value] of ordered(native)) {
      await zfs.set(record.dataset, { [name]: value }, signal);
      applied[name] = value;
    }
  } catch (err) {
    if (!isZfsError(err, 'invalid')) throw err;
    const held = Object.fromEntries(Object.entries(change.properties).filter(([k]) => applied[k] !== undefined));
    await zfs.set(record.dataset, recordOf(withChange(record.params, { properties: held })), signal);
    throw err;
  }
}

/** Applies the change to the volume's dataset; returns the record with its new parameters. */
export async function modifyDataset(
  zfs: Zfs, record: VolumeRecord, change: VolumeChange, signal: AbortSignal,
): Promise<VolumeRecord> {
  const next = withChange(record.params, change);
  const native = changeProps(record, change);
  const multiSet = await requireSupported(zfs, native, signal);
  // OpenZFS checks every value of one `zfs set` before it sets any, so a refusal changes nothing.
  await onExisting(zfs, record.parent, () => multiSet
    ? zfs.set(record.dataset, { ...native, ...recordOf(next) }, signal)
    : setOneByOne(zfs, record, change, native, signal), signal);
  return { ...record, params: next };
}

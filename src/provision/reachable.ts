/**
 * "Does not exist" from zfs means the object is gone only while its pool is imported and its parent is
 * there (DESIGN.md §4 rule 6): a dataset of an exported pool also "does not exist". Found by probing
 * (issue #7 part 8): with the pool exported, DeleteVolume answered NOT_FOUND with the raw zfs message and
 * DeleteSnapshot answered OK, forgetting a snapshot that was only out of sight.
 */
import { isZfsError } from '../zfs/errors.js';
import type { Zfs } from '../zfs/zfs.js';
import { ProvisionError } from './errors.js';
import { checkParent } from './parent-presence.js';

/**
 * Runs `step` on existing data under `parent`. When zfs says "does not exist", the pool and the parent are
 * checked: away, the answer is UNAVAILABLE (nothing was changed, the CO retries); present, `onGone` decides
 * (the object really is gone), and without it the not-found error stands.
 */
export async function onExisting<T>(
  zfs: Zfs, parent: string, step: () => Promise<T>, signal?: AbortSignal, onGone?: () => T,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!isZfsError(err, 'not_found')) throw err;
    const check = await checkParent(zfs, parent, signal);
    if (check.state !== 'present') throw new ProvisionError('UNAVAILABLE', `${check.message}; nothing was changed`, { cause: err });
    if (onGone === undefined) throw err;
    return onGone();
  }
}

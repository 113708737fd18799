/**
 * Is a configured parent dataset there, and may the driver create it? (DESIGN.md §4 rule 10: absence is never
 * invented.) Creating a missing parent would make "parent present" true again, after which every volume that
 * lived in it reads as destroyed; a renamed parent, a pool imported under another name or a half-finished
 * `zfs receive` all look like a missing parent. So a parent is created only on first install, when it has
 * never been seen:
 * - the driver records every parent it has seen present as a user property on the pool's root dataset
 *   (`zfs.csi.dev:parent-<hash>=<parent>`; the only property it writes on a dataset it did not make);
 * - a caller may add its own evidence (Kubernetes: a resource names the parent).
 * A recorded parent that is missing is `parent-missing` until it is back or the operator clears the mark.
 */
import { createHash } from 'node:crypto';
import { isZfsError } from '../zfs/errors.js';
import type { Zfs } from '../zfs/zfs.js';
import { P, PROP_PREFIX } from './props.js';

export type ParentState = 'present' | 'pool-unavailable' | 'parent-missing';

export interface ParentCheck {
  readonly parent: string;
  readonly state: ParentState;
  /** Pool health from `zpool`, undefined when the pool is not imported. */
  readonly poolHealth: string | undefined;
  /** For the operator: what is wrong and what to do (empty when present). */
  readonly message: string;
}

export const poolOfParent = (parent: string): string => parent.split('/')[0] ?? parent;

/** The pool-root property that records `parent` was seen (user property names: lowercase, no `/`). */
export const parentMarkOf = (parent: string): string =>
  `${PROP_PREFIX}parent-${createHash('sha256').update(parent).digest('hex').slice(0, 16)}`;

/** Two `zfs`/`zpool` calls: pool health, then the parent. Never writes. */
export async function checkParent(zfs: Zfs, parent: string, signal?: AbortSignal): Promise<ParentCheck> {
  const pool = poolOfParent(parent);
  const poolHealth = await zfs.poolHealth(pool, signal);
  if (poolHealth === undefined) {
    return { parent, state: 'pool-unavailable', poolHealth, message: `pool ${pool} is not imported (zpool import ${pool})` };
  }
  try {
    await zfs.get([parent], ['type'], {}, signal);
    return { parent, state: 'present', poolHealth, message: '' };
  } catch (err) {
    if (!isZfsError(err, 'not_found')) throw err;
  }
  return {
    parent, state: 'parent-missing', poolHealth,
    message: `parent dataset ${parent} is missing although pool ${pool} is imported; it held volumes and is not re-created `
      + `(renamed? received under another name? see docs/troubleshooting.md "ParentMissing")`,
  };
}

/**
 * checkParent, then: a present parent gets its mark (once); a missing one is created only when neither the
 * pool's mark nor `heldElsewhere` says it ever held managed data.
 */
export async function prepareParent(
  zfs: Zfs, parent: string, heldElsewhere: boolean, signal?: AbortSignal,
): Promise<ParentCheck & { readonly created: boolean }> {
  const check = await checkParent(zfs, parent, signal);
  if (check.state === 'pool-unavailable') return { ...check, created: false };
  const pool = poolOfParent(parent);
  const mark = parentMarkOf(parent);
  const [root] = await zfs.get([pool], [mark], {}, signal);
  const marked = root?.props.get(mark) === parent;
  if (check.state === 'present') {
    if (!marked) await zfs.set(pool, { [mark]: parent }, signal);
    return { ...check, created: false };
  }
  if (marked || heldElsewhere) return { ...check, created: false };
  await zfs.create(parent, { mountpoint: 'none', [P.managed]: 'false' }, signal);
  await zfs.set(pool, { [mark]: parent }, signal);
  return { parent, state: 'present', poolHealth: check.poolHealth, message: '', created: true };
}

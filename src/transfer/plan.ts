/**
 * Which stream a transfer sends (issue #8), decided from the receiver's "haves": the GUIDs of the
 * snapshots it already holds of this volume, oldest first. Snapshots are matched by their ZFS `guid`,
 * which `zfs send | zfs receive` preserves, never by name alone. Pure.
 */
export interface SnapshotRef {
  /** The short name (after `@`). */
  readonly name: string;
  readonly guid: string;
}

export type SendPlan =
  | { readonly kind: 'full' }
  /** The receiver already holds the snapshot: nothing to send (a retried transfer). */
  | { readonly kind: 'present' }
  | { readonly kind: 'incremental'; readonly base: SnapshotRef }
  | { readonly kind: 'diverged'; readonly reason: string };

/**
 * `chain`: the source dataset's snapshots oldest first (createtxg order); `target` must be one of them.
 * The base is the newest common snapshot older than the target, and it must be the receiver's newest:
 * a receiver holding snapshots past the base has data the stream would overwrite (no `receive -F`).
 */
export function planSend(chain: readonly SnapshotRef[], target: SnapshotRef, haves: readonly string[]): SendPlan {
  if (haves.length === 0) return { kind: 'full' };
  if (haves.includes(target.guid)) return { kind: 'present' };
  const at = chain.findIndex((s) => s.guid === target.guid);
  const older = at < 0 ? [] : chain.slice(0, at);
  const held = new Set(haves);
  const base = [...older].reverse().find((s) => held.has(s.guid));
  if (base === undefined) {
    return { kind: 'diverged', reason: `the target holds ${haves.length} snapshot(s) of this volume, none of them an older snapshot the source still has` };
  }
  if (haves[haves.length - 1] !== base.guid) {
    return { kind: 'diverged', reason: `the target has snapshots newer than the common snapshot ${base.name}; they would be overwritten` };
  }
  return { kind: 'incremental', base };
}

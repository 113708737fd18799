/**
 * What to do with a retired volume (DESIGN.md §3.1) given what the last scan saw of its snapshots, under its
 * StorageClass `foreignSnapshots` policy (issue #10 part 3, docs/snapshots.md "Snapshots the driver did not
 * make"). Pure: the sweep acts on the answer.
 *
 * The driver's own snapshots (CSI snapshots, clone helpers, anything carrying the managed mark even with a
 * damaged record) always keep the volume: their destruction is the CO's call. Snapshots without the mark are
 * destroyed only under `destroy`, only once nothing of the driver's needs the data any more, and only when
 * every one of them can go (no clones, no `zfs hold`): never some of them and then stop, so `keep` and a
 * blocked `destroy` leave the operator's snapshots exactly as they were.
 */
import { foreignPolicyOf, type ForeignSnapshotPolicy, type VolumeRecord } from '../domain/types.js';
import type { PoolView } from './decode.js';

/** Why foreign snapshots still keep a retired volume's data on the pool. */
export type HoldReason =
  /** The policy is `keep`: the operator destroys them; the next sweep then destroys the volume. */
  | 'kept'
  /** `destroy`, but one has clones: never destroy a clone's origin the driver did not make. */
  | 'cloned'
  /** `destroy`, but one carries a `zfs hold`: its holder must release it first. */
  | 'held';

/** A retired volume whose only remaining snapshots are foreign ones: space the driver cannot free alone. */
export interface ForeignHold {
  readonly volumeId: string;
  readonly dataset: string;
  readonly parent: string;
  readonly policy: ForeignSnapshotPolicy;
  readonly reason: HoldReason;
  /** Full names `dataset@snap`, sorted. */
  readonly snapshots: readonly string[];
  /** `used` of the retired dataset (what destroying it all would free, at least). */
  readonly usedBytes: bigint;
}

export type RetiredPlan =
  /** The driver's own snapshots or clones still need the data: nothing to do yet. */
  | { readonly kind: 'wait' }
  /** Destroy these foreign snapshots (each by its exact name), then the dataset. */
  | { readonly kind: 'destroy'; readonly foreign: readonly string[] }
  | { readonly kind: 'held'; readonly hold: ForeignHold };

export function planRetired(volume: VolumeRecord, view: PoolView): RetiredPlan {
  const names = [...(view.snapshotsOf.get(volume.dataset) ?? [])].sort();
  const foreign = names.filter((n) => view.unmarked.has(n));
  if (foreign.length < names.length) return { kind: 'wait' };
  if (foreign.length === 0) return { kind: 'destroy', foreign: [] };
  const policy = foreignPolicyOf(volume.params);
  const reason = blocker(policy, foreign, view);
  if (reason === undefined) return { kind: 'destroy', foreign };
  return { kind: 'held', hold: holdOf(volume, foreign, reason) };
}

export function holdOf(volume: VolumeRecord, snapshots: readonly string[], reason: HoldReason): ForeignHold {
  const { id: volumeId, dataset, parent, usedBytes } = volume;
  return { volumeId, dataset, parent, policy: foreignPolicyOf(volume.params), reason, snapshots, usedBytes };
}

function blocker(policy: ForeignSnapshotPolicy, foreign: readonly string[], view: PoolView): HoldReason | undefined {
  if (policy === 'keep') return 'kept';
  const info = foreign.map((n) => view.unmarked.get(n));
  if (info.some((s) => (s?.clones.length ?? 0) > 0)) return 'cloned';
  if (info.some((s) => (s?.holds ?? 0) > 0)) return 'held';
  return undefined;
}

/** One line for logs, Events and status messages. */
export function holdText(hold: ForeignHold): string {
  const names = hold.snapshots.map((n) => n.slice(n.indexOf('@') + 1));
  const why = hold.reason === 'kept'
    ? 'foreignSnapshots=keep: destroy them by hand and the next sweep destroys the volume'
    : hold.reason === 'cloned'
      ? 'foreignSnapshots=destroy, but one has clones the driver did not make: destroy those clones first'
      : 'foreignSnapshots=destroy, but one has a zfs hold: release it (zfs release) first';
  return `retired volume ${hold.volumeId} (${hold.dataset}, ${hold.usedBytes} bytes) is held by ${names.length} snapshot(s) `
    + `the driver did not make: ${names.join(', ')}; ${why}`;
}

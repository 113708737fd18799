/**
 * Kubernetes mode's report of retired volumes that only foreign snapshots keep (issue #10 part 3,
 * docs/snapshots.md): ZfsVolume status.heldByForeignSnapshots, and a Warning Event when it changes. Compared
 * with the status the watch holds, so the periodic sweep repeats nothing and an agent restart repeats nothing.
 */
import { holdText, type ForeignHold } from '../provision/foreign.js';
import type { ForeignHoldStatus, ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';

export const HELD_EVENT = 'HeldByForeignSnapshots';

export function holdStatus(hold: ForeignHold): ForeignHoldStatus {
  const snapshots = hold.snapshots.map((n) => n.slice(n.indexOf('@') + 1));
  return { snapshots, reason: hold.reason, usedBytes: hold.usedBytes.toString() };
}

const sameHold = (a: ForeignHoldStatus | undefined, b: ForeignHoldStatus | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Makes the status of this parent's volumes match the sweep's holds (absent = not held). Best effort per volume. */
export async function reportHolds(ctx: AgentContext, parent: string, held: readonly ForeignHold[]): Promise<void> {
  const byId = new Map(held.map((h) => [h.volumeId, h]));
  const mine = ctx.volumes.list().filter((v) => v.spec.nodeName === ctx.node && v.spec.parentDataset === parent);
  for (const v of mine) {
    const hold = byId.get(v.spec.volumeId);
    const wanted = hold && holdStatus(hold);
    if (sameHold(v.status?.heldByForeignSnapshots, wanted)) continue;
    await report(ctx, v, hold, wanted);
  }
}

async function report(ctx: AgentContext, v: ZfsVolume, hold: ForeignHold | undefined, wanted: ForeignHoldStatus | undefined): Promise<void> {
  try {
    await ctx.volumeWriter.patchStatus(v, { heldByForeignSnapshots: wanted ?? null });
    if (hold) await ctx.events.warning(involvedOf('ZfsVolume', v.metadata), HELD_EVENT, holdText(hold));
  } catch (err) {
    // The next sweep compares again and retries; the hold itself changes nothing on the pool.
    ctx.log.warn('could not report a retired volume held by foreign snapshots', { volume: v.metadata.name, error: String(err) });
  }
}

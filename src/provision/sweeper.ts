import type { Zfs } from '../zfs/zfs.js';
import { ZfsError } from '../zfs/errors.js';
import type { PoolView } from './decode.js';
import { holdOf, planRetired, type ForeignHold, type RetiredPlan } from './foreign.js';

/** At most this many passes per sweep: each pass can free the origin of what the previous one destroyed. */
const MAX_PASSES = 8;

export interface SweepResult {
  /** IDs of retired volumes whose data was destroyed. */
  readonly destroyedVolumes: readonly string[];
  /**
   * Hidden helper snapshots a crash left unfinished, now destroyed (crash between snapshot and clone) or
   * marked for deferred destroy (crash between clone and `zfs destroy -d`).
   */
  readonly destroyedHelpers: readonly string[];
  /**
   * Retired volumes only foreign snapshots keep (issue #10 part 3): the whole picture for this parent after
   * the sweep, so a volume missing from it is no longer held.
   */
  readonly held: readonly ForeignHold[];
}

/**
 * Destroys retired data once nothing needs it (DESIGN.md §3.1): a retired volume with no snapshots left (or
 * only foreign ones its `foreignSnapshots=destroy` policy lets go, src/provision/foreign.ts), and helper
 * snapshots whose clone was never made. Runs after deletes and periodically; one sweep at a time per parent.
 * Destruction never uses -r: ZFS itself refuses if something still depends on the dataset.
 */
export class Sweeper {
  private readonly running = new Map<string, Promise<SweepResult>>();
  private readonly heldBy = new Map<string, readonly ForeignHold[]>();

  constructor(
    private readonly zfs: Pick<Zfs, 'destroy'>,
    private readonly scan: (parent: string, signal?: AbortSignal) => Promise<PoolView>,
    /** Volume IDs whose clone is being made right now: their helper snapshot is not an orphan yet. */
    private readonly cloning: ReadonlySet<string>,
  ) {}

  sweep(parent: string, signal?: AbortSignal): Promise<SweepResult> {
    // Chain behind a sweep in progress so the state a caller just changed is always looked at.
    const previous = this.running.get(parent) ?? Promise.resolve(EMPTY);
    const next = previous.catch(() => EMPTY).then(() => this.run(parent, signal));
    this.running.set(parent, next);
    void next.finally(() => {
      if (this.running.get(parent) === next) this.running.delete(parent);
    }).catch(() => undefined);
    return next;
  }

  /** Every parent's retired volumes held by foreign snapshots, as of its last sweep (metrics, ctl). */
  held(): readonly ForeignHold[] {
    return [...this.heldBy.values()].flat();
  }

  private async run(parent: string, signal?: AbortSignal): Promise<SweepResult> {
    const volumes: string[] = [];
    const helpers: string[] = [];
    let held: ForeignHold[] = [];
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const view = await this.scan(parent, signal);
      const plans = view.volumes.filter((v) => v.retired).map((v) => ({ v, plan: planRetired(v, view) }));
      held = plans.flatMap(({ plan }) => (plan.kind === 'held' ? [plan.hold] : []));
      const orphans = unfinishedHelpers(view).filter(([, id]) => !this.cloning.has(id)).map(([n]) => n);
      let progress = false;
      for (const { v, plan } of plans) {
        if (plan.kind !== 'destroy') continue;
        const outcome = await this.destroyRetired(v.dataset, plan, signal);
        if (outcome === 'destroyed') volumes.push(v.id);
        else if (outcome !== 'later') held.push(holdOf(v, plan.foreign, outcome));
        progress ||= outcome === 'destroyed';
      }
      for (const h of orphans) if (await this.destroy(h, true, signal)) { helpers.push(h); progress = true; }
      // Only what was destroyed can free more; a refusal would be refused again by the next pass.
      if (!progress) break;
    }
    this.heldBy.set(parent, held);
    return { destroyedVolumes: volumes, destroyedHelpers: helpers, held };
  }

  /**
   * The foreign snapshots one by one by exact name (never -r, never a `%` range), then the dataset. Each step
   * is safe to repeat: the volume stays retired until its dataset is gone, so a crash in between leaves it to
   * the next sweep. A refusal ZFS makes that the scan could not foresee (a clone outside the parent, a hold
   * taken since) turns the volume into a held one rather than a sweep that fails forever.
   */
  private async destroyRetired(dataset: string, plan: DestroyPlan, signal?: AbortSignal): Promise<'destroyed' | 'later' | 'cloned' | 'held'> {
    for (const snapshot of plan.foreign) {
      try {
        await this.zfs.destroy(snapshot, {}, signal);
      } catch (err) {
        if (err instanceof ZfsError && err.kind === 'dependents') return 'cloned';
        if (err instanceof ZfsError && err.kind === 'busy') return 'held';
        if (!(err instanceof ZfsError && err.kind === 'not_found')) throw err;
      }
    }
    return (await this.destroy(dataset, false, signal)) ? 'destroyed' : 'later';
  }

  private async destroy(name: string, defer: boolean, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.zfs.destroy(name, { defer }, signal);
      return true;
    } catch (err) {
      // Something came to depend on it meanwhile, or it is already gone: the next sweep looks again.
      if (err instanceof ZfsError && (err.kind === 'dependents' || err.kind === 'not_found')) return false;
      throw err;
    }
  }
}

type DestroyPlan = Extract<RetiredPlan, { kind: 'destroy' }>;

const EMPTY: SweepResult = { destroyedVolumes: [], destroyedHelpers: [], held: [] };

/**
 * Helper snapshots not yet marked deferred: a crash hit between snapshot and clone (no clone: `destroy -d`
 * destroys it) or between clone and deferral (a retried CreateVolume finds the clone by name and returns,
 * so nothing else would ever mark it; `destroy -d` marks it so it goes with its clone, DESIGN.md §3).
 */
function unfinishedHelpers(view: PoolView): [string, string][] {
  return [...view.helpers].filter(([name]) => !view.deferred.has(name));
}

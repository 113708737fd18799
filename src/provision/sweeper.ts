import type { Zfs } from '../zfs/zfs.js';
import { ZfsError } from '../zfs/errors.js';
import type { PoolView } from './decode.js';

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
}

/**
 * Destroys retired data once nothing needs it (DESIGN.md §3.1): a retired volume with no snapshots left,
 * and helper snapshots whose clone was never made. Runs after deletes and periodically; one sweep at a time
 * per parent. Destruction never uses -r: ZFS itself refuses if something still depends on the dataset.
 */
export class Sweeper {
  private readonly running = new Map<string, Promise<SweepResult>>();

  constructor(
    private readonly zfs: Zfs,
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

  private async run(parent: string, signal?: AbortSignal): Promise<SweepResult> {
    const volumes: string[] = [];
    const helpers: string[] = [];
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const view = await this.scan(parent, signal);
      const freed = view.volumes.filter((v) => v.retired && (view.snapshotsOf.get(v.dataset) ?? []).length === 0);
      const orphans = unfinishedHelpers(view).filter(([, id]) => !this.cloning.has(id)).map(([n]) => n);
      for (const v of freed) if (await this.destroy(v.dataset, false, signal)) volumes.push(v.id);
      for (const h of orphans) if (await this.destroy(h, true, signal)) helpers.push(h);
      if (freed.length === 0 && orphans.length === 0) break;
    }
    return { destroyedVolumes: volumes, destroyedHelpers: helpers };
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

const EMPTY: SweepResult = { destroyedVolumes: [], destroyedHelpers: [] };

/**
 * Helper snapshots not yet marked deferred: a crash hit between snapshot and clone (no clone: `destroy -d`
 * destroys it) or between clone and deferral (a retried CreateVolume finds the clone by name and returns,
 * so nothing else would ever mark it; `destroy -d` marks it so it goes with its clone, DESIGN.md §3).
 */
function unfinishedHelpers(view: PoolView): [string, string][] {
  return [...view.helpers].filter(([name]) => !view.deferred.has(name));
}

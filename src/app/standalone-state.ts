import type { Logger } from 'winston';
import type { NodeVolumeLookup } from '../csi/node/lookup.js';
import { describeError } from '../domain/errors.js';
import type { Provisioner } from '../provision/provisioner.js';
import { prepareParent } from '../provision/parent-presence.js';
import { loadState } from '../provision/startup.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { Zfs } from '../zfs/zfs.js';

const RETRY_MS = 2000;

export interface StandaloneStateDeps {
  readonly zfs: Zfs;
  readonly provisioner: Provisioner;
  readonly store: MemoryStore;
  readonly parents: readonly string[];
  readonly log: Logger;
}

/**
 * Standalone mode's life cycle around the store: rebuild from the pool (retrying while the pool is missing:
 * an unimported pool is "not ready", never "empty", DESIGN.md §4 rule 6), then sweep retired data periodically.
 */
export class StandaloneState {
  loaded = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: StandaloneStateDeps) {}

  start(sweepEveryMs: number, sweep: (parent: string) => Promise<void>): void {
    void this.loadUntilDone().then(() => {
      if (this.stopped) return;
      this.timer = setInterval(() => void this.sweepAll(sweep), sweepEveryMs);
      this.timer.unref();
      void this.sweepAll(sweep);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async loadUntilDone(): Promise<void> {
    const { zfs, store, parents, log } = this.deps;
    let lastError = '';
    while (!this.stopped) {
      const started = Date.now();
      try {
        for (const parent of parents) {
          const check = await prepareParent(zfs, parent, false);
          if (check.created) log.info('created parent dataset (first install: never seen before)', { parent });
          if (check.state !== 'present') throw new Error(check.message);
        }
        const report = await loadState(zfs, store, parents);
        this.loaded = true;
        log.info('state rebuilt from the pool', { ...report, foreign: report.foreign.length, ms: Date.now() - started });
        if (report.foreign.length > 0) log.warn('objects under the parent not made by this driver (left alone)', { names: report.foreign.slice(0, 20) });
        return;
      } catch (err) {
        const error = describeError(err).message;
        // Once per distinct reason: the loop retries every 2 s while a pool or parent is away.
        if (error !== lastError) log.warn('cannot load state from the pool yet; retrying', { error });
        lastError = error;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private async sweepAll(sweep: (parent: string) => Promise<void>): Promise<void> {
    for (const parent of this.deps.parents) {
      try {
        await sweep(parent);
      } catch (err) {
        this.deps.log.warn('sweep of retired data failed; next sweep retries', { parent, error: describeError(err).message });
      }
    }
  }

  async poolsReady(): Promise<boolean> {
    if (!this.loaded) return false;
    const pools = [...new Set(this.deps.parents.map((p) => p.split('/')[0] ?? p))];
    const health = await Promise.all(pools.map((pool) => this.deps.zfs.poolHealth(pool)));
    return health.every((h) => h === 'ONLINE' || h === 'DEGRADED');
  }

  /** A copy received from a peer (issue #8): its records, read back from the pool, join the store. */
  async absorb(dataset: string): Promise<void> {
    const parent = this.deps.parents.find((p) => dataset.startsWith(`${p}/`));
    if (parent === undefined) return;
    const view = await this.deps.provisioner.scanDataset(parent, dataset, AbortSignal.timeout(60_000));
    for (const v of view.volumes) this.deps.store.putVolume(v);
    for (const s of view.snapshots) this.deps.store.putSnapshot(s);
  }

  /** The Node service's view: live volumes of this process's store (no zfs call on the hot path). */
  nodeLookup(): NodeVolumeLookup {
    return {
      lookup: async (volumeId) => {
        const v = this.deps.store.volume(volumeId);
        return v && !v.retired ? { dataset: v.dataset, mountpoint: v.mountpoint, capacityBytes: v.capacityBytes } : undefined;
      },
    };
  }
}

/**
 * Pool health for the Node service's NodeGetVolumeStats (issue #7 "honest health"). That call is hot
 * (DESIGN.md §7: p99 ≤ 10 ms, no `zfs` process), so `zpool list` runs here on a timer, never on the call:
 * the call reads the last answer. Until the first answer nothing is claimed either way.
 */
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import { poolCondition, poolOf, type VolumeCondition } from '../domain/health.js';
import type { Zfs } from '../zfs/zfs.js';

export interface PoolHealthMonitorDeps {
  readonly zfs: Zfs;
  /** The parents this node serves; their pools are watched. */
  readonly parents: readonly string[];
  readonly intervalMs: number;
  readonly log: Logger;
}

export class PoolHealthMonitor {
  /** pool → last `zpool list -o health` (undefined = not imported); a pool never read is absent. */
  private readonly last = new Map<string, string | undefined>();
  private readonly pools: readonly string[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PoolHealthMonitorDeps) {
    this.pools = [...new Set(deps.parents.map(poolOf))];
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round now, serialised with the timer's. A pool that cannot be read keeps its last answer. */
  refresh(): Promise<void> {
    this.running = this.running.then(() => this.readAll());
    return this.running;
  }

  private async readAll(): Promise<void> {
    await Promise.all(this.pools.map(async (pool) => {
      try {
        const health = await this.deps.zfs.poolHealth(pool);
        if (this.last.has(pool) && this.last.get(pool) !== health) {
          this.deps.log.warn('pool health changed', { pool, from: this.last.get(pool) ?? 'not imported', to: health ?? 'not imported' });
        }
        this.last.set(pool, health);
      } catch (err) {
        this.deps.log.warn('cannot read pool health; keeping the last answer', { pool, error: describeError(err).message });
      }
    }));
  }

  /** "pool X is not imported" when the last read said so; undefined otherwise (imported, or not known). No I/O. */
  unavailable(dataset: string): string | undefined {
    const pool = poolOf(dataset);
    return this.last.has(pool) && this.last.get(pool) === undefined ? `pool ${pool} is not imported (zpool import ${pool})` : undefined;
  }

  /** The condition the pool of `dataset` imposes now (undefined: ONLINE, or not known yet). No I/O. */
  conditionOf(dataset: string): VolumeCondition | undefined {
    const pool = poolOf(dataset);
    return this.last.has(pool) ? poolCondition(pool, this.last.get(pool)) : undefined;
  }
}

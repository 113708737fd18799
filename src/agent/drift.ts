/**
 * Drift (docs/kubernetes-mode.md "Agent start-up"): managed datasets and snapshots under this node's parents
 * that no resource names. Kept for the ZfsNode's Drift condition and the metrics, announced with one `Drift`
 * Event on the ZfsNode whenever the list changes; the objects themselves are left alone (DESIGN.md §4 rule 7).
 */
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { ResourceCache } from '../store/kube/cache.js';
import type { ZfsSnapshot, ZfsVolume } from '../store/kube/resources.js';
import { driftOf } from './adopt.js';
import { involvedOf, type EventSink } from './events.js';

export interface DriftDeps {
  readonly node: string;
  readonly parents: readonly string[];
  readonly provisioner: Provisioner;
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly events: EventSink;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Copies received for Succeeded ZfsTransfers (snapshot ID → ZFS name): accounted for, not drift. */
  copies(): ReadonlyMap<string, string>;
  /** Called when the list changed, so the ZfsNode reports it. */
  onChange(): void;
}

export class DriftTracker {
  private drift: readonly string[] = [];
  /** Left without a resource on purpose: retired data CR recovery kept for its snapshots (src/agent/recovery.ts). */
  private accounted: ReadonlySet<string> = new Set();

  constructor(private readonly d: DriftDeps) {}

  get report(): readonly string[] {
    return this.drift;
  }

  /** Rescans the parents for managed objects without a resource. */
  async refresh(): Promise<void> {
    const d = this.d;
    try {
      const views = await Promise.all(d.parents.map((p) => d.provisioner.scan(p, d.signal)));
      this.set(driftOf(views, d.volumes.list(), d.snapshots.list(), new Set(d.copies().values())));
    } catch (err) {
      d.log.warn('drift scan failed', { error: describeError(err).message });
    }
  }

  /** These names are accounted for from now on; the next set() leaves them out. */
  account(names: readonly string[]): void {
    this.accounted = new Set(names);
  }

  set(found: readonly string[]): void {
    const drift = found.filter((name) => !this.accounted.has(name));
    const changed = drift.join('\n') !== this.drift.join('\n');
    this.drift = drift;
    if (!changed) return;
    if (drift.length > 0) {
      void this.d.events.warning(involvedOf('ZfsNode', { name: this.d.node }), 'Drift',
        `${drift.length} managed object(s) under this node's parents have no resource (left alone): ${drift.slice(0, 20).join(', ')}`);
    }
    this.d.onChange();
  }
}

/**
 * The agent's view of its parents (DESIGN.md §4 rule 10): present, pool not imported, or parent missing.
 * Refreshed on a timer so a pool that comes back is noticed without a restart; every change of state is a
 * node Event, and the agent re-adopts its resources (src/agent/adopt.ts) to move volumes Unavailable ↔ Ready.
 */
import type { Logger } from 'winston';
import { checkParent, prepareParent, type ParentCheck } from '../provision/parent-presence.js';
import type { Zfs } from '../zfs/zfs.js';
import { involvedOf, type EventSink } from './events.js';

export interface PresenceDeps {
  readonly zfs: Zfs;
  readonly node: string;
  readonly parents: readonly string[];
  readonly events: EventSink;
  readonly log: Logger;
  /** Kubernetes evidence that a parent held data: a resource of this node lives in it. */
  readonly held: (parent: string) => boolean;
}

export class ParentPresence {
  private readonly states = new Map<string, ParentCheck>();
  /** Parents whose pool mark this process has checked (prepareParent writes it once). */
  private readonly marked = new Set<string>();

  constructor(private readonly deps: PresenceDeps) {}

  /** Checks every parent; creates one only on first install (prepareParent). True when any state changed. */
  async refresh(signal?: AbortSignal): Promise<boolean> {
    let changed = false;
    for (const parent of this.deps.parents) {
      const check = await this.checkOne(parent, signal);
      const previous = this.states.get(parent);
      this.states.set(parent, check);
      if (previous?.state === check.state) continue;
      changed = true;
      await this.announce(previous, check);
    }
    return changed;
  }

  /** Unknown (not yet checked) counts as absent: nothing is trusted before the first look. */
  isPresent(parent: string): boolean {
    return this.states.get(parent)?.state === 'present';
  }

  get(parent: string): ParentCheck | undefined {
    return this.states.get(parent);
  }

  list(): ParentCheck[] {
    return this.deps.parents.map((p) => this.states.get(p)).filter((c): c is ParentCheck => c !== undefined);
  }

  private async checkOne(parent: string, signal?: AbortSignal): Promise<ParentCheck> {
    if (this.marked.has(parent)) {
      const check = await checkParent(this.deps.zfs, parent, signal);
      if (check.state === 'present') return check;
    }
    const check = await prepareParent(this.deps.zfs, parent, this.deps.held(parent), signal);
    if (check.created) this.deps.log.info('created parent dataset (first install: never seen before)', { parent });
    if (check.state === 'present') this.marked.add(parent);
    return check;
  }

  private async announce(previous: ParentCheck | undefined, check: ParentCheck): Promise<void> {
    const node = involvedOf('ZfsNode', { name: this.deps.node });
    if (check.state === 'present') {
      if (previous === undefined) return;
      this.deps.log.info('parent dataset available again', { parent: check.parent });
      await this.deps.events.normal(node, 'ParentAvailable', `parent dataset ${check.parent} is available again`);
      return;
    }
    const reason = check.state === 'pool-unavailable' ? 'PoolUnavailable' : 'ParentMissing';
    this.deps.log.warn('parent dataset unavailable: its volumes are Unavailable, nothing is destroyed', { parent: check.parent, reason });
    await this.deps.events.warning(node, reason, check.message);
  }
}

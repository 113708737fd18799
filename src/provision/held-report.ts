import type { ForeignHold } from './foreign.js';

/**
 * Which foreign holds are news (issue #10 part 3): the sweep sees the same held volume every period, and a
 * log line or Event each time would bury the first one. A hold is news when it is new or its snapshots or
 * reason changed; a volume no longer held is forgotten, so a hold that comes back is news again.
 */
export class HeldReport {
  readonly #seen = new Map<string, Map<string, string>>();

  /** The holds of `parent` that are new or changed since its last sweep. */
  changed(parent: string, held: readonly ForeignHold[]): ForeignHold[] {
    const before = this.#seen.get(parent) ?? new Map<string, string>();
    const now = new Map(held.map((h) => [h.volumeId, `${h.reason} ${h.snapshots.join(' ')}`]));
    this.#seen.set(parent, now);
    return held.filter((h) => before.get(h.volumeId) !== now.get(h.volumeId));
  }
}

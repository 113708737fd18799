/**
 * The change feed: every write is an event with the resourceVersion it produced. A bounded history lets a
 * watch resume from an older resourceVersion (and a continued list rebuild its snapshot); anything older
 * than the history is gone, which the API answers with 410 Expired, like a compacted etcd.
 */
import type { JsonObject } from './json.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  readonly type: ChangeType;
  readonly rv: number;
  readonly typeKey: string;
  readonly object: JsonObject;
  /** The object before this change (MODIFIED and DELETED). */
  readonly previous: JsonObject | undefined;
}

export type ChangeListener = (event: ChangeEvent) => void;

export class WatchHub {
  readonly #history: ChangeEvent[] = [];
  readonly #listeners = new Set<ChangeListener>();
  #floor: number;

  constructor(
    readonly capacity: number,
    initialRv: number,
  ) {
    this.#floor = initialRv;
  }

  /** Every event with rv greater than this is still in the history. */
  get floor(): number {
    return this.#floor;
  }

  publish(event: ChangeEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.capacity) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#floor = dropped.rv;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Events after `rv` in order, or undefined when the history no longer reaches back that far. */
  eventsAfter(rv: number): ChangeEvent[] | undefined {
    if (rv < this.#floor) return undefined;
    return this.#history.filter((e) => e.rv > rv);
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forget all history (test control: every older resourceVersion becomes expired). */
  compact(currentRv: number): void {
    this.#history.length = 0;
    this.#floor = currentRv;
  }
}

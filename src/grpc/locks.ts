/**
 * In-process keyed locks for "one operation per volume/name at a time" (CSI spec "Concurrency";
 * DESIGN.md §5): a second call that needs a held key fails at once with ABORTED instead of queueing.
 */
export class KeyedLocks {
  readonly #held = new Set<string>();

  /**
   * Takes every key or none (synchronous, so it happens before the caller's first await). Returns the
   * release function (idempotent), or undefined when any key is already held.
   */
  tryAcquire(keys: readonly string[]): (() => void) | undefined {
    const unique = [...new Set(keys)];
    if (unique.some((key) => this.#held.has(key))) return undefined;
    for (const key of unique) this.#held.add(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of unique) this.#held.delete(key);
    };
  }

  /** The first of `keys` that is held right now (for the ABORTED message). */
  firstHeld(keys: readonly string[]): string | undefined {
    return keys.find((key) => this.#held.has(key));
  }

  get size(): number {
    return this.#held.size;
  }
}

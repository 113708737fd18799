import { ZfsError } from './errors.js';

/** A permit; call it once to give the slot back (later calls do nothing). */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
}

/**
 * A counting semaphore in FIFO order: bounds how many `zfs` processes one driver process runs at once
 * (DESIGN.md §4 rule 1). A waiter whose AbortSignal fires leaves the queue with ZfsError 'cancelled'.
 */
export class Semaphore {
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ZfsError('invalid', `concurrency must be a positive integer, got ${max}`);
    }
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted === true) return Promise.reject(cancelled());
    if (this.#active < this.max) {
      this.#active += 1;
      return Promise.resolve(this.#release());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(cancelled());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `fn` holding one permit. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #release(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter, so #active stays counted.
      if (next !== undefined) next.grant(this.#release());
      else this.#active -= 1;
    };
  }
}

function cancelled(): ZfsError {
  return new ZfsError('cancelled', 'cancelled while waiting for a zfs command slot');
}

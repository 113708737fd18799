/**
 * The agent's work queue (docs/kubernetes-mode.md "Agent start-up": one key at a time per resource, bounded
 * concurrency). Keys are `kind/name`. The shape is client-go's rate-limited workqueue:
 * - a key is never handled by two workers at once; an add while it runs marks it dirty and it runs once more
 *   afterwards, however many adds came in (coalescing);
 * - a failed key is retried after an exponential delay with jitter, capped; success resets its count;
 * - at most `concurrency` keys run at a time.
 */
import { sharedAbortController } from '../domain/shared-abort.js';

export type Handler<K extends string> = (key: K, signal: AbortSignal) => Promise<void>;

/** Timer seam so unit tests can drive the backoff without waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface WorkQueueOptions<K extends string> {
  readonly concurrency?: number;
  /** First retry delay; doubled per consecutive failure. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** [0, 1): the jitter source. */
  readonly random?: () => number;
  readonly timers?: Timers;
  /** Told about every failure and the delay before the retry (logging). */
  readonly onError?: (key: K, err: unknown, failures: number, delayMs: number) => void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Exponential delay for the n-th consecutive failure (n ≥ 1), capped, with "equal jitter" (½…1 × delay). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

export class WorkQueue<K extends string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Map<K, Promise<void>>();
  private readonly failures = new Map<K, number>();
  private readonly retryTimers = new Map<K, unknown>();
  private readonly abort = sharedAbortController();
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly timers: Timers;
  private started = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: Handler<K>,
    private readonly options: WorkQueueOptions<K> = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? realTimers;
  }

  /** Keys are accepted before start() (they wait); start() lets the workers run. */
  start(): void {
    this.started = true;
    this.pump();
  }

  /** Keys queued, running or waiting for a retry (the reconcile queue depth metric). */
  get depth(): number {
    return this.queue.length + this.processing.size + this.retryTimers.size;
  }

  /** Queues key now; a pending retry of it is superseded (this run takes its place). */
  add(key: K): void {
    if (this.stopped) return;
    const timer = this.retryTimers.get(key);
    if (timer !== undefined) {
      this.timers.clear(timer);
      this.retryTimers.delete(key);
    }
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.queue.push(key);
    this.pump();
  }

  /** Consecutive failures of key so far (0 after a success). */
  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued, running or waiting for a retry (tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, cancels retries, aborts running handlers and waits for them to return. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers.values()) this.timers.clear(t);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.abort.abort();
    await Promise.allSettled([...this.processing.values()]);
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.retryTimers.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.started && !this.stopped && this.processing.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as K;
      this.dirty.delete(key);
      this.processing.set(key, this.run(key));
    }
    this.notifyIdle();
  }

  private async run(key: K): Promise<void> {
    let failed: unknown;
    let ok = true;
    try {
      await this.handler(key, this.abort.signal);
    } catch (err) {
      ok = false;
      failed = err;
    }
    this.processing.delete(key);
    if (this.stopped) return;
    if (ok) this.failures.delete(key);
    else this.scheduleRetry(key, failed);
    // Changes that arrived while it ran are handled now, before any retry delay.
    if (this.dirty.has(key)) this.queue.push(key);
    this.pump();
  }

  private scheduleRetry(key: K, err: unknown): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = backoffDelay(n, this.baseDelayMs, this.maxDelayMs, this.random);
    this.options.onError?.(key, err, n, delay);
    if (this.dirty.has(key)) return; // runs again at once anyway
    const timer = this.timers.set(() => {
      this.retryTimers.delete(key);
      this.add(key);
    }, delay);
    this.retryTimers.set(key, timer);
  }
}

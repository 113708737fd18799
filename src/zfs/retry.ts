import { ZfsError, isZfsError } from './errors.js';

export interface RetryOptions {
  /** Total time to keep retrying; keep it below the caller's deadline (DESIGN.md §4 rule 5). */
  readonly budgetMs: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** Seams for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** Sleeps `ms`, rejecting with ZfsError 'cancelled' when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(cancelledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelledError(): ZfsError {
  return new ZfsError('cancelled', 'cancelled while waiting to retry a busy dataset');
}

/**
 * Runs `op`, retrying while it fails with 'busy' (zfs-fuse reports it for a moment after mounts change):
 * exponential backoff from `initialDelayMs` (doubling, capped, half-jittered) as long as the next attempt
 * still starts inside the budget. Then the last busy ZfsError is thrown (→ ABORTED, the CO retries).
 * Any other error is thrown at once.
 */
export async function retryBusy<T>(op: () => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? (() => performance.now());
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 1_000;
  const deadline = now() + options.budgetMs;
  // 20 ms (10–20 with jitter): zfs-fuse's busy moment after a mount change is usually over by then, and a
  // first pause of 25–50 ms cost DeleteVolume ~30 ms per call in the benchmark (issue #9).
  let delay = options.initialDelayMs ?? 20;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!isZfsError(err, 'busy')) throw err;
      const pause = Math.min(delay, maxDelay) * (0.5 + random() / 2);
      if (now() + pause >= deadline) throw err;
      await wait(pause, options.signal);
      delay *= 2;
    }
  }
}

/**
 * Where a call's time goes (issue #9 "find where every millisecond goes"): spans recorded against the
 * current gRPC call through AsyncLocalStorage, so the zfs runner, the mount table and the locks need no
 * extra parameters. Off unless ZFS_CSI_TRACE=1; then each call writes one JSON line `{"trace": …}` to
 * stderr (not through the logger, so it shows whatever the log level, and costs nothing when off).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Span {
  readonly name: string;
  readonly ms: number;
}

export class CallTrace {
  readonly spans: Span[] = [];
  private readonly started = performance.now();

  constructor(readonly method: string) {}

  add(name: string, ms: number): void {
    this.spans.push({ name, ms });
  }

  /** Writes the call's line; `code` is its gRPC status name. */
  finish(code: string): void {
    const totalMs = performance.now() - this.started;
    // `at`: epoch ms of the call's start, so a client on the same host can split its round trip into the
    // leg before the handler and the leg after it (test/bench/trace.ts).
    const at = performance.timeOrigin + this.started;
    process.stderr.write(`${JSON.stringify({ trace: { method: this.method, code, at, totalMs, spans: this.spans } })}\n`);
  }
}

const storage = new AsyncLocalStorage<CallTrace>();

export const TRACING = process.env['ZFS_CSI_TRACE'] === '1';

/** Runs `fn` with `trace` as the current call (nothing when tracing is off). */
export function withTrace<T>(trace: CallTrace | undefined, fn: () => T): T {
  return trace === undefined ? fn() : storage.run(trace, fn);
}

/** Runs `fn` outside the current call: work started beside a call (a cache refresh) is not its time. */
export function detached<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** Times `fn` as a span of the current call, if any. */
export async function span<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const trace = storage.getStore();
  if (trace === undefined) return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    trace.add(name, performance.now() - started);
  }
}

/** The same for synchronous work (logging, decoding). */
export function spanSync<T>(name: string, fn: () => T): T {
  const trace = storage.getStore();
  if (trace === undefined) return fn();
  const started = performance.now();
  try {
    return fn();
  } finally {
    trace.add(name, performance.now() - started);
  }
}

/**
 * One short-lived process, argv only (no shell, DESIGN.md §4 rule 1), over node:child_process.
 *
 * Why not execa here: every zfs, zpool, mount and umount command goes through this, and execa 9's
 * machinery (option normalisation, stream transforms, result building) cost ~2–3 ms a process on the
 * test machine beside a bare spawn (`/bin/true`: 8.1–9.0 ms with the runner's execa options, 6.5–7.2 ms
 * here), against a 19 ms `zfs snapshot` (docs/performance.md, "An honest baseline"). Streams
 * (`zfs send | … | zfs receive`, src/zfs/stream.ts) stay on execa, whose back-pressure they use.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessOptions {
  /** Added to the driver's environment (e.g. LC_ALL=C, so stderr wording is the one classify.ts knows). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** false: stdout goes to /dev/null (mount, umount). */
  readonly captureStdout?: boolean;
  /** Output (stdout + stderr) past this kills the process; default 100 MiB. */
  readonly maxOutputBytes?: number;
}

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  /** undefined when the process was killed by a signal or never started. */
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;
  /** Why it never ran or was stopped by us (spawn failure, output over the cap); for messages. */
  readonly error?: Error;
}

/** A process that ignores SIGTERM gets SIGKILL this long after it (execa's default, kept). */
const FORCE_KILL_AFTER_MS = 5_000;
/** `zfs list` of a large pool is megabytes; more than this is a runaway, not output to parse. */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;

/** One trailing newline off, as execa did: callers compare and split output without it. */
const text = (chunks: readonly Buffer[]): string => Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');

/** Collects a child's output up to a cap and ends it on timeout, abort or overflow; `result()` once closed. */
class Watch {
  readonly #out: Buffer[] = [];
  readonly #err: Buffer[] = [];
  #bytes = 0;
  #forceKill: NodeJS.Timeout | undefined;
  readonly #timer: NodeJS.Timeout;
  timedOut = false;
  isCanceled = false;
  error: Error | undefined;

  constructor(readonly child: ChildProcess, readonly options: ProcessOptions) {
    this.#timer = setTimeout(() => this.stop('timeout'), options.timeoutMs);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => this.#collect(this.#out, chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#collect(this.#err, chunk));
  }

  stop(why: 'timeout' | 'abort' | 'overflow'): void {
    if (why === 'timeout') this.timedOut = true;
    if (why === 'abort') this.isCanceled = true;
    this.child.kill('SIGTERM');
    this.#forceKill ??= setTimeout(() => this.child.kill('SIGKILL'), FORCE_KILL_AFTER_MS).unref();
  }

  result(exitCode: number | undefined): ProcessResult {
    clearTimeout(this.#timer);
    if (this.#forceKill) clearTimeout(this.#forceKill);
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    const { timedOut, isCanceled, error } = this;
    return { stdout: text(this.#out), stderr: text(this.#err), exitCode, timedOut, isCanceled, ...(error ? { error } : {}) };
  }

  readonly #onAbort = (): void => this.stop('abort');

  #collect(into: Buffer[], chunk: Buffer): void {
    const cap = this.options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    this.#bytes += chunk.length;
    if (this.#bytes <= cap) {
      into.push(chunk);
      return;
    }
    this.error ??= new Error(`output over ${cap} bytes`);
    this.stop('overflow');
  }
}

/** Runs `file args`; never rejects: a failure is in the result, for the caller to classify. */
export function runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  if (options.signal?.aborted === true) {
    return Promise.resolve({ stdout: '', stderr: '', exitCode: undefined, timedOut: false, isCanceled: true });
  }
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['ignore', options.captureStdout === false ? 'ignore' : 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const watch = new Watch(child, options);
    let settled = false;
    const finish = (exitCode: number | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(watch.result(exitCode));
    };
    child.on('error', (e) => {
      watch.error ??= e;
      // Never started (ENOENT, EACCES): no 'close' is owed; answer now.
      if (child.pid === undefined) finish(undefined);
    });
    child.on('close', (code) => finish(code ?? undefined));
  });
}

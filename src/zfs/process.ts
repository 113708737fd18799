/**
 * One short-lived process, argv only (no shell, DESIGN.md §4 rule 1), over node:child_process.
 *
 * Why not execa here: every zfs, zpool, mount and umount command goes through this, and execa 9's
 * machinery (option normalisation, stream transforms, result building) cost ~2–3 ms a process on the
 * test machine beside a bare spawn (`/bin/true`: 8.1–9.0 ms with the runner's execa options, 6.5–7.2 ms
 * here), against a 19 ms `zfs snapshot` (docs/performance.md, "An honest baseline"). Streams
 * (`zfs send | … | zfs receive`, src/zfs/stream.ts) stay on execa, whose back-pressure they use.
 */
import { spawn } from 'node:child_process';

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

/** Runs `file args`; never rejects: a failure is in the result, for the caller to classify. */
export function runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  if (options.signal?.aborted === true) {
    return Promise.resolve({ stdout: '', stderr: '', exitCode: undefined, timedOut: false, isCanceled: true });
  }
  const maxOutput = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['ignore', options.captureStdout === false ? 'ignore' : 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let isCanceled = false;
    let error: Error | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    const stop = (): void => {
      child.kill('SIGTERM');
      forceKill ??= setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS).unref();
    };
    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxOutput) {
        error ??= new Error(`output over ${maxOutput} bytes`);
        stop();
        return;
      }
      into.push(chunk);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      isCanceled = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (exitCode: number | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (forceKill) clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ stdout: text(out), stderr: text(err), exitCode, timedOut, isCanceled, ...(error ? { error } : {}) });
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    child.on('error', (e) => {
      error ??= e;
      // Never started (ENOENT, EACCES): no 'close' is owed; answer now.
      if (child.pid === undefined) finish(undefined);
    });
    child.on('close', (code) => finish(code ?? undefined));
  });
}

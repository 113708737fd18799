import { execa } from 'execa';
import { span } from '../trace/trace.js';
import { classifyStderr, summarizeStderr } from './classify.js';
import { ZfsError, type ZfsErrorKind } from './errors.js';
import { Semaphore } from './limit.js';

/** What the runner tells its observer after each command (metrics; the benchmark counts zfs calls). */
export interface CommandEvent {
  readonly argv: readonly string[];
  readonly durationMs: number;
  readonly ok: boolean;
  readonly kind?: ZfsErrorKind;
}

export type CommandObserver = (event: CommandEvent) => void;

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command; resolves with its output on exit 0, rejects with a classified ZfsError otherwise. */
export interface CommandRunner {
  run(binary: string, args: readonly string[], signal?: AbortSignal): Promise<CommandOutput>;
}

export interface ExecOptions {
  /** Put before the binary, e.g. `['chroot', '/host']` or `['nsenter', '-t', '1', '-m', '--']`. */
  readonly prefix?: readonly string[];
  readonly timeoutMs?: number;
  /** Most commands running at once in this process (DESIGN.md §4 rule 1). */
  readonly concurrency?: number;
  readonly onCommand?: CommandObserver;
}

/** The facts about a finished process that decide its error kind (a pure view of an execa result). */
export interface ProcessOutcome {
  readonly failed: boolean;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;
  readonly exitCode?: number | undefined;
  readonly stderr: string;
}

/** The kind of a failed process, or undefined when it succeeded. Pure. */
export function outcomeKind(outcome: ProcessOutcome): ZfsErrorKind | undefined {
  if (outcome.isCanceled) return 'cancelled';
  if (outcome.timedOut) return 'timeout';
  if (!outcome.failed) return undefined;
  // No exit code: the process never ran (missing binary, bad prefix): a configuration fault.
  if (outcome.exitCode === undefined) return 'unknown';
  return classifyStderr(outcome.stderr);
}

function failureMessage(kind: ZfsErrorKind, argv: readonly string[], outcome: ProcessOutcome, detail: string): string {
  const command = argv.join(' ');
  if (kind === 'cancelled') return `${command}: cancelled`;
  if (kind === 'timeout') return `${command}: timed out`;
  const text = summarizeStderr(outcome.stderr) || detail;
  return `${command}: ${text || `exit code ${outcome.exitCode ?? 'none'}`}`;
}

/**
 * The production runner over execa: argv only (no shell, DESIGN.md §4 rule 1), absolute binary,
 * `LC_ALL=C` so stderr wording is the one classify.ts knows, a timeout, the caller's AbortSignal, and a
 * bound on concurrent processes.
 */
const KNOWN_BINARIES = /^(flock|zfs|zpool|mount|umount|nsenter|chroot)$/;

/** "zfs create", "flock zfs create", "zpool list": the binaries' names and the subcommand, for traces. */
function spanName(argv: readonly string[]): string {
  const names: string[] = [];
  for (const a of argv) {
    const base = a.slice(a.lastIndexOf('/') + 1);
    if (a.startsWith('/') && KNOWN_BINARIES.test(base)) {
      names.push(base);
      continue;
    }
    if (names.length > 0 && /^(zfs|zpool)$/.test(names[names.length - 1] ?? '')) return [...names, a].join(' ');
  }
  return names.join(' ');
}

export class ExecaRunner implements CommandRunner {
  readonly #prefix: readonly string[];
  readonly #timeoutMs: number;
  readonly #limit: Semaphore;
  readonly #onCommand: CommandObserver | undefined;

  constructor(options: ExecOptions = {}) {
    this.#prefix = options.prefix ?? [];
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#limit = new Semaphore(options.concurrency ?? 8);
    this.#onCommand = options.onCommand;
  }

  run(binary: string, args: readonly string[], signal?: AbortSignal): Promise<CommandOutput> {
    if (!binary.startsWith('/')) {
      return Promise.reject(new ZfsError('invalid', `zfs binary path must be absolute: ${binary}`));
    }
    const argv = [...this.#prefix, binary, ...args];
    return span('exec wait (process limit)', () => this.#limit.acquire(signal)).then((release) =>
      span(`exec ${spanName(argv)}`, () => this.#spawn(argv, signal)).finally(release));
  }

  async #spawn(argv: readonly string[], signal: AbortSignal | undefined): Promise<CommandOutput> {
    const [file = '', ...args] = argv;
    const started = performance.now();
    const result = await execa(file, args, {
      reject: false,
      // execa's exit cleanup (signal-exit) re-raises SIGTERM when its listeners outnumber ours, killing the
      // driver mid-drain; our children end with their own timeouts and the call's AbortSignal instead.
      cleanup: false,
      env: { LC_ALL: 'C' },
      stdin: 'ignore',
      timeout: this.#timeoutMs,
      ...(signal === undefined ? {} : { cancelSignal: signal }),
    });
    const durationMs = performance.now() - started;
    const outcome: ProcessOutcome = {
      failed: result.failed,
      timedOut: result.timedOut,
      isCanceled: result.isCanceled,
      exitCode: result.exitCode,
      stderr: result.stderr,
    };
    const kind = outcomeKind(outcome);
    this.#notify(kind === undefined ? { argv, durationMs, ok: true } : { argv, durationMs, ok: false, kind });
    if (kind === undefined) return { stdout: result.stdout, stderr: result.stderr };
    throw new ZfsError(kind, failureMessage(kind, argv, outcome, result.shortMessage ?? ''), {
      argv,
      stderr: result.stderr,
      ...(result.cause === undefined ? {} : { cause: result.cause }),
    });
  }

  #notify(event: CommandEvent): void {
    try {
      this.#onCommand?.(event);
    } catch {
      // An observer (metrics) must never change the outcome of a zfs command.
    }
  }
}

/**
 * The baseline's terminal (issue #9 item 1): bare commands run the way a person runs them, from bash,
 * timed inside the shell with `$EPOCHREALTIME` around the command, as `time zfs …` would report it.
 *
 * Why not execa from the benchmark process: Node's spawn costs ~6.5 ms per process here and execa adds
 * ~2–3 ms more (a bash fork+exec+wait of /bin/true: ~5 ms), so an execa baseline carried Node's costs,
 * which the driver needs and a person does not, and flattered the driver by 3–5 ms a command.
 *
 * One bash per command in flight: a burst of N commands at once uses N shells started beforehand
 * (`warm`), so each command is forked by its own shell at the same moment, the fastest way to issue them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ShellResult {
  /** Fork to exit of the command, measured by the shell, ms. */
  readonly ms: number;
  readonly exitCode: number;
  readonly stderr: string;
}

/** Single-quoted for bash: argv stays argv, whatever it holds. */
export const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * One timed line: the commands as a pipeline (`a | b`), every stderr into `errFile`, stdout of the last to
 * /dev/null; `t1 - t0` in µs by bash integer arithmetic on `$EPOCHREALTIME` with its dot removed (no fork).
 * `pipefail` (set at start) makes a failure anywhere in the pipe the exit code.
 */
const TIMED = (commands: readonly (readonly string[])[], errFile: string): string => {
  const err = quote(errFile);
  const pipeline = commands.map((argv) => `${argv.map(quote).join(' ')} 2>>${err}`).join(' | ');
  return `: >${err}; t0=$EPOCHREALTIME; ${pipeline} >/dev/null; rc=$?; t1=$EPOCHREALTIME; ` +
    'echo "$(( ${t1/./} - ${t0/./} )) $rc"\n';
};

class Shell {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #replies: AsyncIterator<string>;
  readonly #errFile: string;

  constructor(id: number) {
    this.#errFile = join(tmpdir(), `zfs-csi-bench-shell-${process.pid}-${id}.err`);
    this.#proc = spawn('/bin/bash', ['--noprofile', '--norc'], { env: { LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    this.#proc.stderr.resume();
    this.#replies = createInterface({ input: this.#proc.stdout })[Symbol.asyncIterator]();
    this.#proc.stdin.write('set -o pipefail\n');
  }

  async run(...commands: readonly (readonly string[])[]): Promise<ShellResult> {
    this.#proc.stdin.write(TIMED(commands, this.#errFile));
    const reply = await this.#replies.next();
    const [us, rc] = typeof reply.value === 'string' ? reply.value.split(' ') : [];
    const exitCode = Number(rc);
    if (reply.done === true || !Number.isFinite(exitCode)) throw new Error(`the baseline shell ended (${commands.flat().join(' ')})`);
    const stderr = exitCode === 0 ? '' : await readFile(this.#errFile, 'utf8').catch(() => '');
    return { ms: Number(us) / 1000, exitCode, stderr };
  }

  close(): void {
    this.#proc.stdin.end();
    rmSync(this.#errFile, { force: true });
  }
}

/** Idle shells, taken one per command and given back after it. */
export class ShellPool {
  readonly #idle: Shell[] = [];
  readonly #all: Shell[] = [];

  /** Starts shells until `count` are idle, and waits until each answers (so none starts inside a timing). */
  async warm(count: number): Promise<void> {
    const started: Shell[] = [];
    while (this.#idle.length + started.length < count) started.push(this.#start());
    await Promise.all(started.map((s) => s.run(['true'])));
    this.#idle.push(...started);
  }

  /** One command, or several as a pipeline (`zfs send … | zfs receive …`). */
  async run(...commands: readonly (readonly string[])[]): Promise<ShellResult> {
    const shell = this.#idle.pop() ?? this.#start();
    try {
      return await shell.run(...commands);
    } finally {
      this.#idle.push(shell);
    }
  }

  close(): void {
    for (const s of this.#all.splice(0)) s.close();
    this.#idle.length = 0;
  }

  #start(): Shell {
    const shell = new Shell(this.#all.length);
    this.#all.push(shell);
    return shell;
  }
}

/** The benchmark's one pool; main.ts closes it at the end. */
export const shells = new ShellPool();

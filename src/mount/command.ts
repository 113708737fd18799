/** Runs mount(8)/umount(8) without a shell (DESIGN.md §4 rule 1): argv array, LC_ALL=C, timeout, signal. */
import { execa } from 'execa';
import { span } from '../trace/trace.js';

export interface CommandResult {
  /** Exit code, undefined when the process was killed or never started. */
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly canceled: boolean;
}

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The seam LinuxMounter runs commands through (tests pass a fake). Never rejects for a failed command. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options: CommandOptions,
) => Promise<CommandResult>;

export const execaRunner: CommandRunner = async (file, args, options) => {
  const result = await span(`exec ${file.slice(file.lastIndexOf('/') + 1)}`, () => execa(file, [...args], {
    reject: false,
    // execa's exit cleanup (signal-exit) re-raises SIGTERM when its listeners outnumber ours, killing the
    // driver mid-drain; our children end with their own timeouts and the call's AbortSignal instead.
    cleanup: false,
    stdin: 'ignore',
    stdout: 'ignore',
    // C locale: the messages we classify ("not mounted", "target is busy") are the English ones.
    env: { LC_ALL: 'C', LANG: 'C' },
    timeout: options.timeoutMs,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  }));
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  // A binary that cannot be spawned (ENOENT) has no exit code; keep its reason for the error message.
  const message = 'message' in result && typeof result.message === 'string' ? result.message : '';
  const reason = result.exitCode === undefined && stderr === '' ? message : stderr;
  return {
    exitCode: result.exitCode,
    stderr: reason,
    timedOut: result.timedOut,
    canceled: result.isCanceled,
  };
};

/** Runs mount(8)/umount(8) without a shell (DESIGN.md §4 rule 1): argv array, LC_ALL=C, timeout, signal. */
import { span } from '../trace/trace.js';
import { runProcess } from '../zfs/process.js';

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

export const processRunner: CommandRunner = async (file, args, options) => {
  const result = await span(`exec ${file.slice(file.lastIndexOf('/') + 1)}`, () => runProcess(file, args, {
    captureStdout: false,
    // C locale: the messages we classify ("not mounted", "target is busy") are the English ones.
    env: { LC_ALL: 'C', LANG: 'C' },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  }));
  // A binary that cannot be spawned (ENOENT) has no exit code; keep its reason for the error message.
  const reason = result.exitCode === undefined && result.stderr === '' ? (result.error?.message ?? '') : result.stderr;
  return {
    exitCode: result.exitCode,
    stderr: reason,
    timedOut: result.timedOut,
    canceled: result.isCanceled,
  };
};

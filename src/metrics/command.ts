import type { CommandEvent } from '../zfs/exec.js';

/** A subcommand label outside this shape would be data, not a subcommand: it is reported as "other". */
const SUBCOMMAND = /^[a-z][a-z-]{0,31}$/;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The `subcommand` label of a zfs/zpool command: the first argument after the configured prefix (e.g.
 * `chroot /host`) and the binary. `zfs` subcommands are bare ("create"); other binaries are named with theirs
 * ("zpool list") so `zfs list` and `zpool list` stay apart. Bounded: never a dataset name (no ids in labels).
 */
export function subcommandOf(argv: readonly string[], prefix: readonly string[] = []): string {
  const hasPrefix = prefix.length > 0 && prefix.every((part, i) => argv[i] === part);
  const at = hasPrefix ? prefix.length : 0;
  const binary = argv[at];
  const sub = argv[at + 1];
  if (binary === undefined || sub === undefined || !SUBCOMMAND.test(sub)) return 'other';
  const name = basename(binary);
  return name === 'zfs' ? sub : `${SUBCOMMAND.test(name) ? name : 'other'} ${sub}`;
}

/** The labels and value one finished command contributes (pure; registry.ts records them). */
export interface CommandSample {
  readonly subcommand: string;
  readonly outcome: 'ok' | 'error';
  /** The ZfsErrorKind of a failure; undefined on success. */
  readonly errorClass: string | undefined;
  readonly seconds: number;
}

export function commandSample(event: CommandEvent, prefix: readonly string[] = []): CommandSample {
  return {
    subcommand: subcommandOf(event.argv, prefix),
    outcome: event.ok ? 'ok' : 'error',
    errorClass: event.ok ? undefined : (event.kind ?? 'unknown'),
    seconds: event.durationMs / 1000,
  };
}

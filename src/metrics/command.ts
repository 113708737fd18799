import type { CommandEvent } from '../zfs/exec.js';

/** A subcommand label outside this shape would be data, not a subcommand: it is reported as "other". */
const SUBCOMMAND = /^[a-z][a-z-]{0,31}$/;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The configured binary paths (ZfsCli zfsPath / zpoolPath); their basenames `zfs` / `zpool` are known anyway. */
export interface CommandBinaries {
  readonly zfs?: string;
  readonly zpool?: string;
}

type Tool = 'zfs' | 'zpool';

/** Where the zfs/zpool binary sits in argv: an exact configured path first, then a `zfs`/`zpool` basename. */
function findTool(argv: readonly string[], from: number, binaries: CommandBinaries): { at: number; tool: Tool } | undefined {
  const exact = (arg: string): Tool | undefined => (arg === binaries.zfs ? 'zfs' : arg === binaries.zpool ? 'zpool' : undefined);
  const named = (arg: string): Tool | undefined => {
    const name = basename(arg);
    return name === 'zfs' || name === 'zpool' ? name : undefined;
  };
  for (const match of [exact, named]) {
    for (let at = from; at < argv.length; at++) {
      const tool = match(argv[at] ?? '');
      if (tool) return { at, tool };
    }
  }
  return undefined;
}

/**
 * The `subcommand` label of a zfs/zpool command: the first argument after the binary, which may come after the
 * configured prefix (e.g. `chroot /host`) and a wrapper (zfs-fuse's `flock <lock>`). `zfs` subcommands are bare
 * ("create"); `zpool`'s are named with it ("zpool list") so `zfs list` and `zpool list` stay apart. Bounded:
 * never a dataset name (no ids in labels); anything unexpected is "other".
 */
export function subcommandOf(argv: readonly string[], prefix: readonly string[] = [], binaries: CommandBinaries = {}): string {
  const hasPrefix = prefix.length > 0 && prefix.every((part, i) => argv[i] === part);
  const from = hasPrefix ? prefix.length : 0;
  const found = findTool(argv, from, binaries);
  const sub = found ? argv[found.at + 1] : undefined;
  if (!found || sub === undefined || !SUBCOMMAND.test(sub)) return 'other';
  return found.tool === 'zfs' ? sub : `zpool ${sub}`;
}

/** The labels and value one finished command contributes (pure; registry.ts records them). */
export interface CommandSample {
  readonly subcommand: string;
  readonly outcome: 'ok' | 'error';
  /** The ZfsErrorKind of a failure; undefined on success. */
  readonly errorClass: string | undefined;
  readonly seconds: number;
}

export function commandSample(event: CommandEvent, prefix: readonly string[] = [], binaries: CommandBinaries = {}): CommandSample {
  return {
    subcommand: subcommandOf(event.argv, prefix, binaries),
    outcome: event.ok ? 'ok' : 'error',
    errorClass: event.ok ? undefined : (event.kind ?? 'unknown'),
    seconds: event.durationMs / 1000,
  };
}

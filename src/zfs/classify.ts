import type { ZfsErrorKind } from './errors.js';

/** One stderr pattern and the kind it means. */
export interface StderrRule {
  readonly kind: ZfsErrorKind;
  readonly pattern: RegExp;
}

/**
 * The one table of stderr wordings → kind, first match wins. Each row was seen from zfs-fuse 0.7 here
 * (quoted in test/zfs/classify.test.ts) or comes from OpenZFS 2.x libzfs / zfs_main.c. Order matters
 * only where wordings overlap: "no such pool or dataset" (a plain ENOENT) must not read as "no such pool".
 */
export const STDERR_RULES: readonly StderrRule[] = [
  // The ZFS service itself is unreachable: zfs-fuse daemon down, OpenZFS module missing, pool suspended.
  { kind: 'pool_unavailable', pattern: /failed to initialize (the )?(ZFS|libzfs) library/i },
  { kind: 'pool_unavailable', pattern: /^connect: /m },
  { kind: 'pool_unavailable', pattern: /zfs-fuse daemon is running/ },
  { kind: 'pool_unavailable', pattern: /The ZFS modules (are not loaded|cannot be auto-loaded)/ },
  { kind: 'pool_unavailable', pattern: /\/dev\/zfs and \/proc\/self\/mounts are required/ },
  { kind: 'pool_unavailable', pattern: /pool I\/O is currently suspended|pool is unavailable/ },
  { kind: 'pool_unavailable', pattern: /one or more devices is currently unavailable/ },
  { kind: 'pool_unavailable', pattern: /no such pool(?! or dataset)/ },
  // Something else still needs this dataset or snapshot (never resolved with -r/-R: DESIGN.md §3).
  { kind: 'dependents', pattern: /has dependent clones/ },
  { kind: 'dependents', pattern: /has children/ },
  { kind: 'dependents', pattern: /snapshot is cloned/ },
  // Transient: zfs-fuse says so for a moment after mounts change; a process inside a mount also does.
  { kind: 'busy', pattern: /dataset is busy|pool or dataset is busy|pool is busy/ },
  { kind: 'busy', pattern: /target is busy|Device or resource busy/ },
  { kind: 'exists', pattern: /already exists|pool or dataset exists/ },
  { kind: 'not_found', pattern: /does not exist/ },
  { kind: 'not_found', pattern: /no such pool or dataset/ },
  { kind: 'not_found', pattern: /could not find any snapshots to destroy/ },
  { kind: 'no_space', pattern: /out of space|size is greater than available space/ },
  { kind: 'no_space', pattern: /quota exceeded|No space left on device/ },
  // Bad property names or values.
  { kind: 'invalid', pattern: /bad property list|invalid property|property doesn't apply/ },
  { kind: 'invalid', pattern: /bad numeric value|numeric value is too large|invalid numeric suffix/ },
  { kind: 'invalid', pattern: /must be one of|must be (a )?power of 2|is readonly|read[- ]only property/ },
  { kind: 'invalid', pattern: /can ?not be modified for snapshots|invalid quota or reservation/ },
  { kind: 'invalid', pattern: /size is less than current used or reserved space/ },
  { kind: 'invalid', pattern: /missing '=' for|missing value in property=value/ },
  // Bad names.
  { kind: 'invalid', pattern: /invalid (character|dataset name|name)|empty component/ },
  { kind: 'invalid', pattern: /name is too long|multiple '@'|delimiter|leading slash|trailing slash/ },
  // Operations that do not apply to this dataset.
  { kind: 'invalid', pattern: /no mountpoint set|'canmount' property is set to 'off'/ },
  { kind: 'invalid', pattern: /operation not applicable to datasets of this type/ },
  // The command line itself was refused (usage text follows these).
  { kind: 'invalid', pattern: /unrecognized command|invalid option|missing .*argument/ },
];

/** The part of stderr before any usage text: the usage table's words would otherwise match rows. */
function beforeUsage(stderr: string): string {
  const at = stderr.search(/^usage:/m);
  return at < 0 ? stderr : stderr.slice(0, at);
}

/** The kind a failed command's stderr means; 'unknown' when no row matches. Pure. */
export function classifyStderr(stderr: string): ZfsErrorKind {
  const text = beforeUsage(stderr);
  for (const rule of STDERR_RULES) {
    if (rule.pattern.test(text)) return rule.kind;
  }
  return 'unknown';
}

/** A one-line summary of stderr for error messages (usage text dropped, bounded length). */
export function summarizeStderr(stderr: string, maxLength = 500): string {
  const lines = beforeUsage(stderr)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const text = lines.join('; ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}

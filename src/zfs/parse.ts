import { ZfsError } from './errors.js';
import { isUserProperty } from './props.js';
import type { DatasetInfo } from './zfs.js';

/**
 * Pure parsers of `zfs`/`zpool` output. Sizes stay decimal strings (`-p`); callers convert with BigInt.
 */

function malformed(what: string, line: string): ZfsError {
  return new ZfsError('unknown', `unexpected ${what} output line: ${JSON.stringify(line.slice(0, 200))}`);
}

/**
 * A property has a value unless ZFS printed a placeholder: a user property that is not set anywhere has
 * source `-` (its value `-` with source `local` is a real value); a native one without a value is `-`.
 * User properties count only where they were set (`local`, or `received` by zfs receive): the driver's
 * records are always written on the object itself, and an inherited `zfs.csi.dev:managed=true` would make a
 * foreign child dataset or snapshot look like one of ours (DESIGN.md §3.1, the `owns()` check).
 */
function hasValue(property: string, value: string, source: string): boolean {
  return isUserProperty(property) ? source === 'local' || source === 'received' : value !== '-';
}

/**
 * `zfs get -Hp -o name,property,value,source` → one DatasetInfo per name, in first-seen order. A value
 * may itself hold tabs (zfs-fuse stores them), so it is everything between the property and the source.
 */
export function parseGetOutput(stdout: string): DatasetInfo[] {
  const byName = new Map<string, Map<string, string>>();
  for (const line of stdout.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split('\t');
    if (fields.length < 4) throw malformed('zfs get', line);
    const name = fields[0] ?? '';
    const property = fields[1] ?? '';
    const source = fields[fields.length - 1] ?? '';
    const value = fields.slice(2, -1).join('\t');
    let props = byName.get(name);
    if (props === undefined) {
      props = new Map();
      byName.set(name, props);
    }
    if (hasValue(property, value, source)) props.set(property, value);
  }
  return [...byName].map(([name, props]) => ({ name, props }));
}

/** `zpool list -H -o name,health <pool>` → the pool's health, undefined when the pool is not listed. */
export function parsePoolHealth(stdout: string, pool: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (line.length === 0) continue;
    const [name, health, ...rest] = line.split('\t');
    if (health === undefined || rest.length > 0) throw malformed('zpool list', line);
    if (name === pool) return health;
  }
  return undefined;
}

/** `zfs version` (OpenZFS ≥ 0.8): first line `zfs-2.1.5-1ubuntu6~22.04.1` → `2.1.5-1ubuntu6~22.04.1`. */
export function parseOpenZfsVersion(stdout: string): string | undefined {
  const match = /^zfs-(\S+)/m.exec(stdout);
  return match?.[1];
}

/** `zpool upgrade -v`: "This system is currently running ZFS pool version 23." → `23`. */
export function parsePoolVersion(stdout: string): string | undefined {
  const match = /ZFS pool version (\d+)/.exec(stdout);
  return match?.[1];
}

/**
 * The native property names from the table `zfs get` prints with its usage (on stderr, both OpenZFS
 * and zfs-fuse): rows `\t<name>  YES|NO  YES|NO  <values>`. Per-user rows (`userused@...`,
 * `written@<snap>`) are templates, not properties, and are left out.
 */
export function parsePropertyTable(text: string): Set<string> {
  const props = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^\t([a-z][a-z0-9_]*)\s+(YES|NO)\s+(YES|NO)\b/.exec(line);
    if (match?.[1] !== undefined) props.add(match[1]);
  }
  return props;
}

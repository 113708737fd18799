import { ZfsError } from './errors.js';
import type { ZfsProps } from './zfs.js';

/**
 * Property names and values checked before they reach argv: a `,` would split a `zfs get` list, a tab or
 * newline would break the `-H` output we parse (DESIGN.md §4 rule 2 applied to properties).
 */
const NATIVE = /^[a-z][a-z0-9_]*$/;
/** User properties: `module:key`, lowercase, digits and `: + . _ -` (zfsprops(7)). */
const USER = /^[a-z0-9+._-]*:[a-z0-9:+._-]*$/;
const MAX_PROP_NAME_BYTES = 255;
const MAX_VALUE_BYTES = 8191;
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isUserProperty(name: string): boolean {
  return name.includes(':');
}

export function assertPropName(name: string): string {
  const ok =
    Buffer.byteLength(name, 'utf8') <= MAX_PROP_NAME_BYTES &&
    (isUserProperty(name) ? USER.test(name) && !name.startsWith(':') : NATIVE.test(name));
  if (!ok) throw new ZfsError('invalid', `invalid ZFS property name ${JSON.stringify(name)}`);
  return name;
}

export function assertPropValue(name: string, value: string): string {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0 || bytes > MAX_VALUE_BYTES || CONTROL.test(value)) {
    throw new ZfsError('invalid', `invalid value for ZFS property ${name}: empty, too long or control characters`);
  }
  return value;
}

/** Validates every entry and returns them sorted by name, so argv is deterministic. */
export function checkedProps(props: ZfsProps): Array<readonly [string, string]> {
  return Object.entries(props)
    .map(([name, value]) => [assertPropName(name), assertPropValue(name, value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

import { ZfsError } from './errors.js';
import { assertDatasetName, assertName, assertPoolName, assertSnapshotName } from './names.js';
import { assertPropName, checkedProps } from './props.js';
import type { GetOptions, ZfsProps } from './zfs.js';

/**
 * Pure builders of `zfs`/`zpool` arguments (binary not included). Each one validates every name and
 * property it is given (names.ts, props.ts), so no argv can be built from an unchecked name.
 */

/** The output columns every `zfs get` asks for; parse.ts reads exactly these. */
export const GET_COLUMNS = 'name,property,value,source';

function optionArgs(props: ZfsProps): string[] {
  return checkedProps(props).flatMap(([name, value]) => ['-o', `${name}=${value}`]);
}

export function createArgs(dataset: string, props: ZfsProps): string[] {
  return ['create', ...optionArgs(props), assertDatasetName(dataset)];
}

export function cloneArgs(snapshot: string, dataset: string, props: ZfsProps): string[] {
  return ['clone', ...optionArgs(props), assertSnapshotName(snapshot), assertDatasetName(dataset)];
}

export function snapshotArgs(snapshot: string, props: ZfsProps): string[] {
  return ['snapshot', ...optionArgs(props), assertSnapshotName(snapshot)];
}

/** `zfs destroy [-d] name`: never -r/-R (DESIGN.md §3); -d (deferred) only applies to snapshots. */
export function destroyArgs(name: string, options: { readonly defer?: boolean } = {}): string[] {
  if (options.defer === true) return ['destroy', '-d', assertSnapshotName(name)];
  return ['destroy', assertName(name)];
}

/** One `zfs set` with every property (OpenZFS; on zfs-fuse, called once per property). */
export function setArgs(name: string, props: ZfsProps): string[] {
  const pairs = checkedProps(props);
  if (pairs.length === 0) throw new ZfsError('invalid', 'zfs set needs at least one property');
  return ['set', ...pairs.map(([key, value]) => `${key}=${value}`), assertName(name)];
}

export function mountArgs(dataset: string): string[] {
  return ['mount', assertDatasetName(dataset)];
}

export function unmountArgs(dataset: string): string[] {
  return ['unmount', assertDatasetName(dataset)];
}

/** `zfs get -Hp -o name,property,value,source [-r | -d N] props names...`; no props means `all`. */
export function getArgs(names: readonly string[], props: readonly string[], options: GetOptions = {}): string[] {
  const args = ['get', '-Hp', '-o', GET_COLUMNS];
  if (options.depth !== undefined) {
    if (!Number.isSafeInteger(options.depth) || options.depth < 0) {
      throw new ZfsError('invalid', `invalid zfs get depth ${options.depth}`);
    }
    args.push('-d', String(options.depth));
  } else if (options.recursive === true) {
    args.push('-r');
  }
  const list = props.length === 0 ? 'all' : props.map(assertPropName).join(',');
  return [...args, list, ...names.map((name) => assertName(name))];
}

/** `zpool list -H -o name,health <pool>` (zpool binary). */
export function poolListArgs(pool: string): string[] {
  return ['list', '-H', '-o', 'name,health', assertPoolName(pool)];
}

/** Probe commands (probe.ts): `zfs version` (OpenZFS only), `zpool upgrade -v`, and bare `zfs get`. */
export const VERSION_ARGS: readonly string[] = ['version'];
export const POOL_VERSIONS_ARGS: readonly string[] = ['upgrade', '-v'];
export const PROPERTY_TABLE_ARGS: readonly string[] = ['get'];

/** `zfs send [-i base] snapshot`: one snapshot, full or incremental from `base` (never -R/-I: one step). */
export function sendArgs(snapshot: string, base?: string): string[] {
  const from = base === undefined ? [] : ['-i', assertSnapshotName(base)];
  return ['send', ...from, assertSnapshotName(snapshot)];
}

/**
 * `zfs receive [-u] dataset`: never -F, so nothing newer on the target is ever rolled back (issue #8);
 * -u (do not mount) only where the implementation has it (OpenZFS; zfs-fuse 0.7 has no -u).
 */
export function receiveArgs(dataset: string, options: { readonly noMount: boolean }): string[] {
  return ['receive', ...(options.noMount ? ['-u'] : []), assertDatasetName(dataset)];
}

import { ZfsError } from './errors.js';

/**
 * The one validator every dataset/snapshot name passes before it reaches `zfs` (DESIGN.md §4 rule 2).
 * Stricter than ZFS on purpose: no spaces (ZFS allows them), no `%` or `,` (ranges and lists to
 * `zfs destroy`), no `..` anywhere, and the pool component starts with a letter, so a name can never
 * be read as an option.
 */
export const MAX_NAME_BYTES = 255;

const COMPONENT = /^[A-Za-z0-9_.:-]+$/;
const POOL = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

export type NameKind = 'dataset' | 'snapshot' | 'any';

function invalid(name: string, why: string): ZfsError {
  return new ZfsError('invalid', `invalid ZFS name ${JSON.stringify(name)}: ${why}`);
}

function componentProblem(component: string): string | undefined {
  if (component.length === 0) return 'empty component';
  if (component === '.' || component === '..') return `component "${component}"`;
  if (!COMPONENT.test(component)) return 'characters other than letters, digits and _ - . :';
  return undefined;
}

/** Why `name` is not acceptable as `kind`, or undefined when it is. Pure. */
export function nameProblem(name: string, kind: NameKind = 'any'): string | undefined {
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `longer than ${MAX_NAME_BYTES} bytes`;
  if (name.includes('..')) return '".." is not allowed';
  const parts = name.split('@');
  if (parts.length > 2) return 'more than one "@"';
  const [dataset = '', snap] = parts;
  if (kind === 'dataset' && snap !== undefined) return 'a snapshot name where a dataset was expected';
  if (kind === 'snapshot' && snap === undefined) return 'not a snapshot name (dataset@snapshot)';
  const components = dataset.split('/');
  for (const component of components) {
    const problem = componentProblem(component);
    if (problem !== undefined) return problem;
  }
  if (!POOL.test(components[0] ?? '')) return 'the pool name must start with a letter';
  if (snap !== undefined) {
    const problem = componentProblem(snap);
    if (problem !== undefined) return `snapshot: ${problem}`;
  }
  return undefined;
}

export function isValidName(name: string, kind: NameKind = 'any'): boolean {
  return nameProblem(name, kind) === undefined;
}

/** Throws ZfsError 'invalid' unless `name` is a valid name of `kind`; returns it for chaining. */
export function assertName(name: string, kind: NameKind = 'any'): string {
  const problem = nameProblem(name, kind);
  if (problem !== undefined) throw invalid(name, problem);
  return name;
}

export const assertDatasetName = (name: string): string => assertName(name, 'dataset');
export const assertSnapshotName = (name: string): string => assertName(name, 'snapshot');

/** A pool name: one component starting with a letter. */
export function assertPoolName(pool: string): string {
  assertName(pool, 'dataset');
  if (pool.includes('/')) throw invalid(pool, 'a pool name has one component');
  return pool;
}

/** The dataset part of a name (`pool/a@s` → `pool/a`). */
export function datasetOf(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** True when `name` (dataset or snapshot) is strictly below `parent`; a snapshot of the parent is not. */
export function isUnder(name: string, parent: string): boolean {
  return datasetOf(name).startsWith(`${parent}/`);
}

/** Throws ZfsError 'invalid' unless `name` is valid and strictly below one of `parents`. */
export function assertUnder(name: string, parents: readonly string[], kind: NameKind = 'any'): string {
  assertName(name, kind);
  if (!parents.some((parent) => isValidName(parent, 'dataset') && isUnder(name, parent))) {
    throw invalid(name, `not below ${parents.length === 0 ? 'any configured parent' : parents.join(', ')}`);
  }
  return name;
}

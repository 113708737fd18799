import { foreignPolicyOf, type ForeignSnapshotPolicy, type QuotaType, type VolumeParams } from '../domain/types.js';
import { invalidArgument } from './errors.js';

/**
 * StorageClass parameters → VolumeParams (DESIGN.md §5: allow-list of ZFS properties, a value grammar per
 * key). Values are normalised (lowercase, `128K` → `131072`) so the same intent always compares equal for
 * idempotent CreateVolume. Properties the driver owns (mountpoint, quotas, canmount, ...) are not settable.
 */

/** Keys the external-provisioner adds (`csi.storage.k8s.io/pvc/name`, ...): not ours, ignored. */
export const IGNORED_PREFIX = 'csi.storage.k8s.io/';

interface Grammar {
  /** Human description of the accepted values, for the error message. */
  readonly accepts: string;
  /** The normalised value, or undefined when the value is not in the grammar. */
  readonly normalise: (value: string) => string | undefined;
}

function oneOf(...values: string[]): Grammar {
  return {
    accepts: values.join('|'),
    normalise: (v) => {
      const lower = v.trim().toLowerCase();
      return values.includes(lower) ? lower : undefined;
    },
  };
}

function pattern(accepts: string, re: RegExp): Grammar {
  return {
    accepts,
    normalise: (v) => {
      const lower = v.trim().toLowerCase();
      return re.test(lower) ? lower : undefined;
    },
  };
}

const ON_OFF = oneOf('on', 'off');
const CACHE = oneOf('all', 'none', 'metadata');

/** recordsize: a power of two from 512 bytes to 1 MiB, as bytes or with a K/M suffix. */
const RECORDSIZE: Grammar = {
  accepts: 'a power of two from 512 to 1M (bytes, or with a K/M suffix)',
  normalise: (v) => {
    const m = /^(\d+)([km]?)b?$/.exec(v.trim().toLowerCase());
    if (!m || m[1] === undefined || m[1].length > 8) return undefined;
    const unit = m[2] === 'k' ? 1024 : m[2] === 'm' ? 1024 * 1024 : 1;
    const bytes = Number(m[1]) * unit;
    const powerOfTwo = bytes > 0 && (bytes & (bytes - 1)) === 0;
    return powerOfTwo && bytes >= 512 && bytes <= 1024 * 1024 ? String(bytes) : undefined;
  },
};

export const PROPERTY_GRAMMARS: Readonly<Record<string, Grammar>> = {
  compression: pattern(
    'on|off|lzjb|gzip|gzip-1..9|zle|lz4|zstd|zstd-1..19',
    /^(on|off|lzjb|gzip|gzip-[1-9]|zle|lz4|zstd|zstd-([1-9]|1[0-9]))$/,
  ),
  recordsize: RECORDSIZE,
  atime: ON_OFF,
  relatime: ON_OFF,
  sync: oneOf('standard', 'always', 'disabled'),
  logbias: oneOf('latency', 'throughput'),
  primarycache: CACHE,
  secondarycache: CACHE,
  dedup: pattern(
    'on|off|verify|sha256[,verify]|sha512[,verify]|skein[,verify]',
    /^(on|off|verify|(sha256|sha512|skein)(,verify)?)$/,
  ),
  copies: oneOf('1', '2', '3'),
  xattr: oneOf('on', 'off', 'sa', 'dir'),
  exec: ON_OFF,
  setuid: ON_OFF,
  devices: ON_OFF,
  readonly: ON_OFF,
  snapdir: oneOf('hidden', 'visible'),
  checksum: oneOf('on', 'off', 'fletcher2', 'fletcher4', 'sha256', 'sha512', 'skein', 'noparity'),
};

export const DRIVER_KEYS = ['quotaType', 'thin', 'parentDataset', 'foreignSnapshots'] as const;

export function allowedKeys(): string[] {
  return [...DRIVER_KEYS, ...Object.keys(PROPERTY_GRAMMARS)];
}

/** ZFS dataset name shape (zfs(8) "component names"): no snapshot/bookmark part, no `%` or `,`. */
const COMPONENT = /^[A-Za-z0-9_.:-]+$/;
const MAX_DATASET_BYTES = 255;

export function isDatasetName(value: string): boolean {
  if (value === '' || Buffer.byteLength(value, 'utf8') > MAX_DATASET_BYTES) return false;
  const parts = value.split('/');
  const pool = parts[0] ?? '';
  if (!/^[A-Za-z]/.test(pool)) return false;
  return parts.every((p) => COMPONENT.test(p) && p !== '.' && p !== '..');
}

export function parseQuotaType(value: string): QuotaType {
  const v = value.trim().toLowerCase();
  if (v === 'refquota' || v === 'quota') return v;
  throw invalidArgument(`parameter quotaType: ${JSON.stringify(value)} is not one of refquota|quota`);
}

export function parseThin(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidArgument(`parameter thin: ${JSON.stringify(value)} is not one of true|false`);
}

export function parseForeignSnapshots(value: string): ForeignSnapshotPolicy {
  const v = value.trim().toLowerCase();
  if (v === 'keep' || v === 'destroy') return v;
  throw invalidArgument(`parameter foreignSnapshots: ${JSON.stringify(value)} is not one of keep|destroy`);
}

function parseParentDataset(value: string): string {
  const v = value.trim().replace(/\/+$/, '');
  if (!isDatasetName(v)) {
    throw invalidArgument(`parameter parentDataset: ${JSON.stringify(value)} is not a ZFS dataset name`);
  }
  return v;
}

export function parseProperty(key: string, value: string): string {
  // hasOwn: `constructor` or `__proto__` must be unknown keys, not Object.prototype members.
  const grammar = Object.hasOwn(PROPERTY_GRAMMARS, key) ? PROPERTY_GRAMMARS[key] : undefined;
  if (grammar === undefined) {
    throw invalidArgument(
      `unknown StorageClass parameter ${JSON.stringify(key)}; allowed: ${allowedKeys().join(', ')}`,
    );
  }
  const normalised = grammar.normalise(value);
  if (normalised === undefined) {
    throw invalidArgument(`parameter ${key}: ${JSON.stringify(value)} is not one of ${grammar.accepts}`);
  }
  return normalised;
}

/** Validates and normalises StorageClass parameters; INVALID_ARGUMENT names the offending key. */
export function parseParams(parameters: Readonly<Record<string, string>> | null | undefined): VolumeParams {
  let quotaType: QuotaType = 'refquota';
  let thin = true;
  let parentDataset: string | undefined;
  let foreignSnapshots: ForeignSnapshotPolicy | undefined;
  const properties: Record<string, string> = {};
  for (const key of Object.keys(parameters ?? {}).sort()) {
    const value = parameters?.[key] ?? '';
    if (key.startsWith(IGNORED_PREFIX)) continue;
    if (key === 'quotaType') quotaType = parseQuotaType(value);
    else if (key === 'thin') thin = parseThin(value);
    else if (key === 'parentDataset') parentDataset = parseParentDataset(value);
    else if (key === 'foreignSnapshots') foreignSnapshots = parseForeignSnapshots(value);
    else properties[key] = parseProperty(key, value);
  }
  return {
    properties, quotaType, thin,
    ...(parentDataset === undefined ? {} : { parentDataset }),
    ...(foreignSnapshots === undefined ? {} : { foreignSnapshots }),
  };
}

/** Same intent: equal driver settings and the same property set (idempotency check, DESIGN.md §5). */
export function sameParams(a: VolumeParams, b: VolumeParams): boolean {
  if (a.quotaType !== b.quotaType || a.thin !== b.thin || a.parentDataset !== b.parentDataset) return false;
  // An explicit `keep` is the default: the same intent as saying nothing.
  if (foreignPolicyOf(a) !== foreignPolicyOf(b)) return false;
  const ak = Object.keys(a.properties);
  if (ak.length !== Object.keys(b.properties).length) return false;
  return ak.every((k) => b.properties[k] === a.properties[k]);
}

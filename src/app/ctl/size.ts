/**
 * Human sizes for `zfs-csi ctl`: `1Gi`, `512Mi`, `10G`, `1.5Gi`, plain bytes. Bigint all the way: CSI sizes
 * are int64 and a float would silently round large ones.
 */

const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Readonly<Record<string, bigint>> = {
  k: 10n ** 3n,
  K: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
};
const INT64_MAX = (1n << 63n) - 1n;

export class SizeError extends Error {}

function unitOf(suffix: string): bigint | undefined {
  if (suffix === '' || suffix === 'B') return 1n;
  return BINARY[suffix] ?? DECIMAL[suffix];
}

/** Parses a size into bytes; throws SizeError for anything that is not a whole, non-negative int64 of bytes. */
export function parseSize(text: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?\s*([A-Za-z]*)$/.exec(text.trim());
  const unit = m ? unitOf(m[3] ?? '') : undefined;
  if (!m || unit === undefined) {
    throw new SizeError(`${JSON.stringify(text)} is not a size (examples: 1073741824, 512Mi, 1Gi, 10G, 1.5Ti)`);
  }
  const fraction = m[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(m[1] ?? '0') * scale + BigInt(fraction === '' ? '0' : fraction)) * unit;
  if (scaled % scale !== 0n) throw new SizeError(`${JSON.stringify(text)} is not a whole number of bytes`);
  const bytes = scaled / scale;
  if (bytes > INT64_MAX) throw new SizeError(`${JSON.stringify(text)} is larger than int64 bytes`);
  return bytes;
}

const UNITS: readonly (readonly [string, bigint])[] = [
  ['EiB', 1n << 60n],
  ['PiB', 1n << 50n],
  ['TiB', 1n << 40n],
  ['GiB', 1n << 30n],
  ['MiB', 1n << 20n],
  ['KiB', 1n << 10n],
];

/** `1.0 GiB (1073741824)`; below 1 KiB just `512 B`. One decimal, rounded half up. */
export function formatSize(value: bigint | string | number): string {
  const bytes = BigInt(value);
  if (bytes < 0n) return `${bytes} B`;
  const found = UNITS.find(([, size]) => bytes >= size);
  if (!found) return `${bytes} B`;
  const [name, size] = found;
  const tenths = (bytes * 10n + size / 2n) / size;
  return `${tenths / 10n}.${tenths % 10n} ${name} (${bytes})`;
}

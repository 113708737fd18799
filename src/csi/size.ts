import { invalidArgument } from './errors.js';

/** Size of a volume whose request names no capacity (CSI leaves the default to the plugin). */
export const DEFAULT_CAPACITY_BYTES = 1n << 30n;

/** csi.v1.CapacityRange as proto-loader decodes it (int64 as decimal strings, `longs: String`). */
export interface CapacityRangeInput {
  readonly required_bytes?: string | number | null;
  readonly limit_bytes?: string | number | null;
}

/** A validated capacity range: 0n means "not set", as in the proto. */
export interface CapacityRange {
  readonly requiredBytes: bigint;
  readonly limitBytes: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Decodes a proto int64 (decimal string, or a number from a hand-built request) into a bigint. */
export function parseInt64(value: string | number | null | undefined, field: string): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value;
  if (!/^-?\d+$/.test(text)) throw invalidArgument(`${field} is not an integer: ${JSON.stringify(value)}`);
  const n = BigInt(text);
  if (n > INT64_MAX || n < INT64_MIN) throw invalidArgument(`${field} is out of the int64 range`);
  return n;
}

/** Validates a capacity range (CSI CreateVolume: required ≥ 0, limit ≥ 0, limit ≥ required when both set). */
export function parseCapacityRange(range: CapacityRangeInput | null | undefined): CapacityRange {
  const requiredBytes = parseInt64(range?.required_bytes, 'capacity_range.required_bytes');
  const limitBytes = parseInt64(range?.limit_bytes, 'capacity_range.limit_bytes');
  if (requiredBytes < 0n) throw invalidArgument('capacity_range.required_bytes must not be negative');
  if (limitBytes < 0n) throw invalidArgument('capacity_range.limit_bytes must not be negative');
  if (limitBytes > 0n && requiredBytes > limitBytes) {
    throw invalidArgument(
      `capacity_range.limit_bytes (${limitBytes}) is smaller than required_bytes (${requiredBytes})`,
    );
  }
  return { requiredBytes, limitBytes };
}

/** The size to provision for a range: required when set, else the default capped by the limit. */
export function sizeFor(range: CapacityRange, defaultBytes: bigint = DEFAULT_CAPACITY_BYTES): bigint {
  if (range.requiredBytes > 0n) return range.requiredBytes;
  if (range.limitBytes > 0n && range.limitBytes < defaultBytes) return range.limitBytes;
  return defaultBytes;
}

/** True when an existing capacity satisfies the range (idempotent CreateVolume compatibility). */
export function withinRange(capacity: bigint, range: CapacityRange): boolean {
  if (capacity < range.requiredBytes) return false;
  return range.limitBytes === 0n || capacity <= range.limitBytes;
}

/** Capacity range → bytes (parse + size), the common path for CreateVolume. */
export function capacityBytes(
  range: CapacityRangeInput | null | undefined,
  defaultBytes: bigint = DEFAULT_CAPACITY_BYTES,
): bigint {
  return sizeFor(parseCapacityRange(range), defaultBytes);
}

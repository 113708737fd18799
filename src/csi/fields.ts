import { invalidArgument } from './errors.js';

/** CSI §"Size Limits": names and IDs are at most 128 bytes; node IDs at most 256. */
export const MAX_NAME_BYTES = 128;
export const MAX_NODE_ID_BYTES = 256;

/** Control characters the spec bans in names (CreateVolumeRequest.name). */
const BANNED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/** A required string field: present, non-empty, within the byte limit. */
export function requireString(value: string | undefined | null, field: string, maxBytes = MAX_NAME_BYTES): string {
  if (value === undefined || value === null || value === '') throw invalidArgument(`${field} is required`);
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw invalidArgument(`${field} is longer than ${maxBytes} bytes`);
  }
  return value;
}

/** A CO-chosen name: required, ≤128 bytes, no banned control characters. */
export function requireName(value: string | undefined | null, field: string): string {
  const name = requireString(value, field);
  if (BANNED.test(name)) throw invalidArgument(`${field} contains a control character`);
  return name;
}

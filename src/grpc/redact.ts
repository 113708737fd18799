/**
 * Loggable copies of requests (DESIGN.md §4 rule 8): every field marked `(csi_secret) = true` in csi.proto
 * becomes "***", found through protobufjs reflection so a new secret field in the proto is covered without
 * code changes; a deny list by name (secrets, mount_flags, *token*, *password*) covers everything else,
 * including map keys such as the pod service-account token in NodePublishVolume's volume_context.
 */
import type { Field, MapField, Root, Type } from 'protobufjs';
import { loadCsiRoot } from './load.js';

export const REDACTED = '***';

const SECRET_OPTION = /^\((?:[\w.]+\.)?csi_secret\)$/;

/** True when the field carries the csi_secret option (written `(csi_secret)` or fully qualified). */
export function isSecretField(field: Field | MapField): boolean {
  const options = field.options ?? {};
  return Object.entries(options).some(([name, value]) => SECRET_OPTION.test(name) && value === true);
}

/** The name-based safety net, applied to every object key at any depth. */
export function isDeniedName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'secrets' || lower === 'mount_flags' || lower.includes('token') || lower.includes('password');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Copy of a value whose message type is unknown: only the deny list applies. */
function redactUntyped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactUntyped);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = isDeniedName(key) ? REDACTED : redactUntyped(child);
  return out;
}

function redactFieldValue(field: Field, value: unknown): unknown {
  const type = field.resolvedType;
  if (!type || !('fields' in type)) return redactUntyped(value);
  const messageType = type as Type;
  if (field.map && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = isDeniedName(key) ? REDACTED : redactMessage(messageType, child);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => redactMessage(messageType, item));
  return redactMessage(messageType, value);
}

/** Deep copy of `value` as a message of `type`, with secret and denied fields replaced by "***". */
export function redactMessage(type: Type, value: unknown): unknown {
  if (!isRecord(value)) return redactUntyped(value);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const field = type.fields[key];
    if (isDeniedName(key) || (field && isSecretField(field))) out[key] = REDACTED;
    else if (field) out[key] = redactFieldValue(field, child);
    else out[key] = redactUntyped(child); // e.g. the virtual oneof fields that `oneofs: true` adds
  }
  return out;
}

export type Redactor = (request: unknown) => unknown;

/** A redactor for the request message of `service`.`method` (e.g. "Controller", "CreateVolume"). */
export function requestRedactor(service: string, method: string, root: Root = loadCsiRoot()): Redactor {
  const found = root.lookupService(`csi.v1.${service}`).methods[method];
  const type = found?.resolvedRequestType;
  if (!type) return redactUntyped;
  return (request) => redactMessage(type, request);
}

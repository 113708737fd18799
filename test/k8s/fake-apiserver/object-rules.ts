/**
 * What the API server does to an object on create, update, status update and deletion, as pure functions:
 * system metadata, the status-subresource split and the generation rules of the CRD strategy
 * (apiextensions customResourceStrategy / statusStrategy, generic registry markAsDeleting).
 */
import { clone, deepEqual, isObject, objectAt, stringAt, type JsonObject } from './json.js';
import type { ResourceType } from './resources.js';
import { badRequest, conflict, invalid } from './status.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function metadataOf(obj: JsonObject): JsonObject {
  return objectAt(obj, 'metadata');
}

function checkKind(type: ResourceType, obj: JsonObject): void {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if ((apiVersion !== undefined && apiVersion !== type.apiVersion) || (kind !== undefined && kind !== type.kind)) {
    throw badRequest(`the API version in the data (${String(apiVersion)}) and kind (${String(kind)}) do not match ` +
      `${type.apiVersion} ${type.kind}`);
  }
  obj['apiVersion'] = type.apiVersion;
  obj['kind'] = type.kind;
}

function checkLabels(type: ResourceType, name: string, meta: JsonObject): void {
  const labels = meta['labels'];
  if (labels === undefined || labels === null) return;
  if (!isObject(labels)) throw invalid(type, name, 'metadata.labels: must be a map of strings');
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash < 0 ? '' : key.slice(0, slash);
    const local = key.slice(slash + 1);
    const keyOk = local.length <= 63 && LABEL_NAME.test(local) && (slash < 0 || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    if (!keyOk) throw invalid(type, name, `metadata.labels: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      throw invalid(type, name, `metadata.labels: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`);
    }
  }
}

export function checkName(type: ResourceType, name: string): void {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw invalid(type, name, `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of ` +
      `lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  }
}

export interface CreateStamp {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly uid: string;
  readonly now: string;
}

/** The object as first stored (without resourceVersion, which the store assigns). */
export function prepareCreate(type: ResourceType, incoming: JsonObject, stamp: CreateStamp): JsonObject {
  const obj = clone(incoming);
  checkKind(type, obj);
  const meta = metadataOf(obj);
  checkName(type, stamp.name);
  checkLabels(type, stamp.name, meta);
  meta['name'] = stamp.name;
  if (stamp.namespace === undefined) delete meta['namespace'];
  else meta['namespace'] = stamp.namespace;
  meta['uid'] = stamp.uid;
  meta['creationTimestamp'] = stamp.now;
  delete meta['deletionTimestamp'];
  delete meta['deletionGracePeriodSeconds'];
  if (type.tracksGeneration) meta['generation'] = 1;
  else delete meta['generation'];
  // CRD strategy: with the status subresource, create cannot set status.
  if (type.statusSubresource) delete obj['status'];
  return obj;
}

const SYSTEM_FIELDS = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'];

function withoutMetadata(obj: JsonObject): JsonObject {
  const { metadata: _ignored, ...rest } = obj;
  return rest;
}

/** A PUT/PATCH of the main resource: status kept from `old`; generation +1 when anything but metadata changed. */
export function prepareUpdate(type: ResourceType, old: JsonObject, incoming: JsonObject): JsonObject {
  const obj = clone(incoming);
  checkKind(type, obj);
  const meta = metadataOf(obj);
  const oldMeta = metadataOf(clone(old));
  const name = stringAt(oldMeta, 'name') ?? '';
  const uid = stringAt(meta, 'uid');
  if (uid !== undefined && uid !== '' && uid !== stringAt(oldMeta, 'uid')) {
    throw conflict(type, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stringAt(oldMeta, 'uid') ?? ''}`);
  }
  checkLabels(type, name, meta);
  for (const field of SYSTEM_FIELDS) {
    const value = oldMeta[field];
    if (value === undefined) delete meta[field];
    else meta[field] = value;
  }
  if (type.statusSubresource) {
    const status = old['status'];
    if (status === undefined) delete obj['status'];
    else obj['status'] = clone(status);
  }
  const generation = oldMeta['generation'];
  if (type.tracksGeneration && typeof generation === 'number' && !deepEqual(withoutMetadata(obj), withoutMetadata(old))) {
    meta['generation'] = generation + 1;
  }
  return obj;
}

/** A PUT/PATCH of `/status`: everything from `old` except status (metadata changes are dropped too). */
export function prepareStatusUpdate(old: JsonObject, incoming: JsonObject): JsonObject {
  const obj = clone(old);
  const status = incoming['status'];
  if (status === undefined) delete obj['status'];
  else obj['status'] = clone(status);
  return obj;
}

export function finalizersOf(obj: JsonObject): string[] {
  const list = obj['metadata'] !== undefined && isObject(obj['metadata']) ? obj['metadata']['finalizers'] : undefined;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
}

export function isDeleting(obj: JsonObject): boolean {
  return isObject(obj['metadata']) && typeof obj['metadata']['deletionTimestamp'] === 'string';
}

/** Deletion of an object with finalizers: mark it, bump generation once (registry markAsDeleting). */
export function markDeleting(obj: JsonObject, now: string): JsonObject {
  const out = clone(obj);
  const meta = metadataOf(out);
  const generation = meta['generation'];
  if (typeof generation === 'number' && generation > 0) meta['generation'] = generation + 1;
  meta['deletionTimestamp'] = now;
  meta['deletionGracePeriodSeconds'] = 0;
  return out;
}

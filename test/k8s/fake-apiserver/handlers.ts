/**
 * The verbs on one resource (everything but watch, which streams): create, get, list, replace, patch,
 * status get/replace/patch and delete, with a real API server's status codes and error bodies.
 */
import { checkSignerPermission, csrOnCreate, csrSubresourceUpdate } from './csr.js';
import type { UserInfo } from './identity.js';
import { isObject, parseJson, stringAt, type Json, type JsonObject } from './json.js';
import { listObjects } from './list.js';
import { metadataOf } from './object-rules.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { ResourceType } from './resources.js';
import type { RbacAuthorizer } from './rbac.js';
import type { Route } from './routes.js';
import { parseFieldSelector, parseLabelSelector, type Selector } from './selectors.js';
import { badRequest, methodNotAllowed, unsupportedMediaType, invalid } from './status.js';
import type { Admit, DeletePreconditions, ObjectStore } from './store.js';

export interface ApiRequest {
  readonly method: string;
  readonly route: Extract<Route, { kind: 'collection' | 'item' }>;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: string;
  /** Validating admission for this request's writes (none: everything is admitted). */
  readonly admit?: Admit | undefined;
  /** Who asks, and the RBAC in force: CSRs record the requester and check signer permissions. */
  readonly user?: UserInfo | undefined;
  readonly rbac?: RbacAuthorizer | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: JsonObject;
}

function parseBody(body: string): Json {
  try {
    return parseJson(body);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function objectBody(body: string): JsonObject {
  const value = parseBody(body);
  if (!isObject(value)) throw badRequest('the request body must be a JSON object');
  return value;
}

export function selectorFromQuery(type: ResourceType, query: URLSearchParams): Selector {
  const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
  const allowed = type.selectableFields;
  for (const f of fields) {
    const always = f.path === 'metadata.name' || f.path === 'metadata.namespace';
    if (!always && allowed !== undefined && !allowed.includes(f.path)) {
      throw badRequest(`field label not supported: ${f.path}`);
    }
  }
  return { labels: parseLabelSelector(query.get('labelSelector') ?? undefined), fields };
}

function numberParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^[0-9]+$/.test(raw)) throw badRequest(`invalid ${key}: "${raw}"`);
  return Number(raw);
}

export function timeoutParam(query: URLSearchParams): number | undefined {
  return numberParam(query, 'timeoutSeconds');
}

function checkUrlName(req: ApiRequest & { route: { kind: 'item' } }, obj: JsonObject): void {
  const name = stringAt(metadataOf(obj), 'name');
  if (name !== req.route.name) {
    throw badRequest(`the name of the object (${name ?? ''}) does not match the name on the URL (${req.route.name})`);
  }
}

function applyPatch(type: ResourceType, current: JsonObject, contentType: string, body: string): JsonObject {
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  let patched: Json;
  if (media === 'application/json-patch+json') patched = jsonPatch(current, parseBody(body));
  else if (media === 'application/merge-patch+json') patched = mergePatch(current, parseBody(body));
  else if (media === 'application/strategic-merge-patch+json' && type.strategicMerge) patched = mergePatch(current, parseBody(body));
  else throw unsupportedMediaType(media);
  if (!isObject(patched)) throw invalid(type, stringAt(metadataOf(current), 'name') ?? '', 'the patch result is not an object');
  return patched;
}

function deletePreconditions(body: string): DeletePreconditions {
  if (body.trim() === '') return {};
  const options = objectBody(body);
  const pre = options['preconditions'];
  if (!isObject(pre)) return {};
  return { uid: stringAt(pre, 'uid'), resourceVersion: stringAt(pre, 'resourceVersion') };
}

function collectionVerb(store: ObjectStore, req: ApiRequest): ApiResponse {
  const { type, namespace } = req.route;
  if (req.method === 'GET') {
    const selector = selectorFromQuery(type, req.query);
    const continueToken = req.query.get('continue') ?? undefined;
    return { status: 200, body: listObjects(store, type, { namespace, selector, limit: numberParam(req.query, 'limit'), continueToken }) };
  }
  if (req.method === 'POST') {
    if (type.namespaced && namespace === undefined) throw methodNotAllowed(req.method);
    const obj = objectBody(req.body);
    const bodyNs = stringAt(metadataOf(obj), 'namespace');
    if (type.namespaced && bodyNs !== undefined && bodyNs !== '' && bodyNs !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const body = type.strategy === 'csr' && req.user !== undefined ? csrOnCreate(obj, req.user) : obj;
    return { status: 201, body: store.create(type, namespace, body, req.admit) };
  }
  throw methodNotAllowed(req.method);
}

/** PUT/PATCH of a CSR's approval or status: the signer permission, then the strategy's split. */
function csrWrite(store: ObjectStore, req: ApiRequest & { route: { kind: 'item' } }, incoming: JsonObject): ApiResponse {
  const { type, namespace, name, subresource } = req.route;
  const old = store.get(type, namespace, name);
  if (req.user !== undefined) checkSignerPermission(req.rbac, req.user, subresource === 'approval' ? 'approve' : 'sign', old);
  const next = csrSubresourceUpdate(old, incoming, subresource === 'approval' ? 'approval' : 'status');
  const wanted = stringAt(metadataOf(incoming), 'resourceVersion');
  if (wanted !== undefined && wanted !== '') metadataOf(next)['resourceVersion'] = wanted;
  return { status: 200, body: store.update(type, namespace, name, next, { status: true, requireResourceVersion: false, admit: req.admit }) };
}

function itemVerb(store: ObjectStore, req: ApiRequest & { route: { kind: 'item' } }): ApiResponse {
  const { type, namespace, name, subresource } = req.route;
  const status = subresource !== undefined;
  if (type.strategy === 'csr' && subresource !== undefined && (req.method === 'PUT' || req.method === 'PATCH')) {
    const incoming = req.method === 'PUT' ? objectBody(req.body) : applyPatch(type, store.get(type, namespace, name), req.contentType, req.body);
    if (req.method === 'PUT') checkUrlName(req, incoming);
    return csrWrite(store, req, incoming);
  }
  switch (req.method) {
    case 'GET':
      return { status: 200, body: store.get(type, namespace, name) };
    case 'PUT': {
      const obj = objectBody(req.body);
      checkUrlName(req, obj);
      return { status: 200, body: store.update(type, namespace, name, obj, { status, requireResourceVersion: type.requireResourceVersionOnUpdate, admit: req.admit }) };
    }
    case 'PATCH': {
      const patched = applyPatch(type, store.get(type, namespace, name), req.contentType, req.body);
      checkUrlName(req, patched);
      return { status: 200, body: store.update(type, namespace, name, patched, { status, requireResourceVersion: false, admit: req.admit }) };
    }
    case 'DELETE': {
      if (status) throw methodNotAllowed(req.method);
      const result = store.delete(type, namespace, name, deletePreconditions(req.body), req.admit);
      if (!result.removed) return { status: 200, body: result.object };
      // Custom resources answer an immediate delete with a Success Status (no ReturnDeletedObject).
      const uid = stringAt(metadataOf(result.object), 'uid') ?? '';
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: type.group, kind: type.plural, uid } } };
    }
    default:
      throw methodNotAllowed(req.method);
  }
}

export function handleApiRequest(store: ObjectStore, req: ApiRequest): ApiResponse {
  if (req.query.has('dryRun')) throw badRequest('dryRun is not supported by the fake API server');
  if (req.route.kind === 'collection') return collectionVerb(store, req);
  return itemVerb(store, { ...req, route: req.route });
}

/**
 * One HTTP request from arrival to answer: injected faults, bearer-token authentication, routing, RBAC,
 * then a verb (with validating admission on writes),
 * a watch stream or a discovery document. Every failure leaves as a Kubernetes Status with its HTTP code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitFor, authorize } from './access.js';
import type { AdmissionPolicies } from './admission.js';
import type { CrdRules } from './crd-rules.js';
import { discoveryDocument } from './discovery.js';
import type { FaultInjector, RequestLog } from './faults.js';
import { handleApiRequest, selectorFromQuery, timeoutParam } from './handlers.js';
import type { Identities } from './identity.js';
import type { JsonObject } from './json.js';
import type { RbacAuthorizer } from './rbac.js';
import type { ResourceRegistry } from './resources.js';
import { resolveRoute } from './routes.js';
import { ApiError, badRequest, internal, unauthorized } from './status.js';
import type { ObjectStore } from './store.js';
import { startWatch, type OpenWatch } from './watch-stream.js';

export interface HandlerDeps {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  readonly identities: Identities;
  /** RBAC to enforce; none: every authenticated user may do anything. */
  readonly rbac: () => RbacAuthorizer | undefined;
  /** ValidatingAdmissionPolicies to enforce; none: every write is admitted. */
  readonly admission: () => AdmissionPolicies | undefined;
  /** CRD validation rules to enforce; none: only the structural checks of object-rules.ts. */
  readonly crdRules: () => CrdRules | undefined;
  readonly bookmarkIntervalMs: () => number;
  readonly watches: Set<OpenWatch>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: JsonObject): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function errorOf(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return internal(err instanceof Error ? err.message : String(err));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, errorOf(err).code, errorOf(err).toStatus());
      else res.destroy();
    });
  };
}

async function serve(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = (req.method ?? 'GET').toUpperCase();
  const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const info = { method, path: url.pathname, watch };
  const arrivedMs = performance.now();
  const log = (status: number, injected = false): void =>
    deps.requests.record({ ...info, query: url.search, status, injected, arrivedMs });

  const fault = deps.faults.take(info);
  if (fault?.spec.delayMs !== undefined) await sleep(fault.spec.delayMs);
  if (fault?.spec.reset === true) {
    log(0, true);
    req.socket.destroy();
    return;
  }
  if (fault !== undefined && fault.spec.passThrough !== true) {
    log(fault.error.code, true);
    send(res, fault.error.code, fault.error.toStatus());
    return;
  }
  try {
    const user = deps.identities.authenticate(req.headers.authorization);
    if (user === undefined) throw unauthorized();
    const body = await readBody(req);
    const route = resolveRoute(deps.registry, url.pathname);
    if (route.kind === 'discovery') {
      if (method !== 'GET') throw badRequest(`${method} is not supported on discovery documents`);
      log(200);
      send(res, 200, discoveryDocument(deps.registry, route.root, route.apiVersion));
      return;
    }
    authorize(deps.rbac(), user, method, watch, route);
    if (watch && method === 'GET' && route.kind === 'collection') {
      const watchReq = {
        type: route.type, namespace: route.namespace, selector: selectorFromQuery(route.type, url.searchParams),
        resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
        bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true', timeoutSeconds: timeoutParam(url.searchParams),
      };
      const open = startWatch(deps.store, watchReq, res, { bookmarkIntervalMs: deps.bookmarkIntervalMs() });
      log(200);
      deps.watches.add(open);
      res.on('close', () => deps.watches.delete(open));
      return;
    }
    const contentType = req.headers['content-type'] ?? 'application/json';
    const admit = admitFor(deps.crdRules(), deps.admission(), user, route);
    const answer = handleApiRequest(deps.store, { method, route, query: url.searchParams, contentType, body, admit, user, rbac: deps.rbac() });
    log(answer.status);
    send(res, answer.status, answer.body);
  } catch (err) {
    const apiErr = errorOf(err);
    log(apiErr.code);
    send(res, apiErr.code, apiErr.toStatus());
  }
}

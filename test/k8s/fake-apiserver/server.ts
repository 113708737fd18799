/**
 * The fake Kubernetes API server: a real HTTP server on 127.0.0.1 (ephemeral port) that the real
 * @kubernetes/client-node talks to (DESIGN.md §6). Lifecycle and test controls live here; the REST
 * semantics live in the store, handlers and watch stream.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AdmissionPolicies } from './admission.js';
import { chartCrdRules } from './chart-crds.js';
import type { CrdRules } from './crd-rules.js';
import { FaultInjector, RequestLog, type Fault, type FaultSpec } from './faults.js';
import { ADMIN, Identities, type UserInfo } from './identity.js';
import { clone, stringAt, type JsonObject } from './json.js';
import { metadataOf } from './object-rules.js';
import { createRequestHandler } from './request-handler.js';
import {
  BUILTIN_RESOURCES, ResourceRegistry, ZFS_CSI_RESOURCES, type ResourceType, type ResourceTypeSpec,
} from './resources.js';
import type { RbacAuthorizer } from './rbac.js';
import { ObjectStore } from './store.js';
import { WatchHub } from './watch-hub.js';
import type { OpenWatch } from './watch-stream.js';

export interface FakeApiServerOptions {
  /** Types to serve; default: ZfsVolume/ZfsSnapshot/ZfsNode plus core events and coordination leases. */
  readonly resources?: readonly ResourceTypeSpec[];
  /** The administrator's bearer token (system:masters); default 'fake-token'. */
  readonly token?: string;
  /** Change events kept for watch resume and continued lists; default 1000. */
  readonly historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them; default 1000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** The resourceVersion the clock starts at; default 1000. */
  readonly initialResourceVersion?: number;
  /** Enforce the x-kubernetes-validations of the chart's CRDs; default true. */
  readonly crdValidation?: boolean;
}

export class FakeApiServer {
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  readonly faults = new FaultInjector();
  readonly requests = new RequestLog();
  readonly token: string;
  readonly identities = new Identities();
  /** RBAC enforced on every request when set (see rbac.ts); unset: any authenticated user may do anything. */
  rbac: RbacAuthorizer | undefined;
  /** ValidatingAdmissionPolicies enforced on writes when set (see admission.ts). */
  admission: AdmissionPolicies | undefined;
  /** CRD validation rules (x-kubernetes-validations) enforced on writes when set (see crd-rules.ts). */
  crdRules: CrdRules | undefined;
  /** Settable while running; applies to watches opened afterwards. */
  bookmarkIntervalMs: number;
  readonly #watches = new Set<OpenWatch>();
  readonly #sockets = new Set<Socket>();
  #connections = 0;
  readonly #http: Server;
  #url = '';

  private constructor(options: FakeApiServerOptions) {
    const initialRv = options.initialResourceVersion ?? 1000;
    this.store = new ObjectStore(new WatchHub(options.historyLimit ?? 1000, initialRv), initialRv);
    this.token = options.token ?? 'fake-token';
    this.identities.add(this.token, ADMIN);
    this.crdRules = options.crdValidation === false ? undefined : chartCrdRules();
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    for (const spec of options.resources ?? [...ZFS_CSI_RESOURCES, ...BUILTIN_RESOURCES]) this.registry.register(spec);
    this.#http = createServer(createRequestHandler({
      registry: this.registry, store: this.store, faults: this.faults, requests: this.requests, identities: this.identities,
      rbac: () => this.rbac, admission: () => this.admission, crdRules: () => this.crdRules,
      bookmarkIntervalMs: () => this.bookmarkIntervalMs, watches: this.#watches,
    }));
    this.#http.on('connection', (socket) => {
      this.#connections++;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#http.once('error', reject);
      server.#http.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.#http.address();
    if (address === null || typeof address === 'string') throw new Error('fake API server has no TCP address');
    server.#url = `http://127.0.0.1:${address.port}`;
    return server;
  }

  /** TCP connections accepted so far (clients that reuse keep-alive connections open few). */
  get connections(): number {
    return this.#connections;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 */
  get url(): string {
    return this.#url;
  }

  register(spec: ResourceTypeSpec): ResourceType {
    return this.registry.register(spec);
  }

  /** The current resourceVersion of the whole store (what a list would answer). */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  #typeByPlural(plural: string): ResourceType {
    const matches = this.registry.all().filter((t) => t.plural === plural);
    const type = matches[0];
    if (type === undefined || matches.length > 1) throw new Error(`no unique registered type with plural "${plural}"`);
    return type;
  }

  /** Creates an object directly (no HTTP, no faults), as a POST would; for fast test setup. */
  seed(plural: string, obj: JsonObject): JsonObject {
    const type = this.#typeByPlural(plural);
    const namespace = type.namespaced ? stringAt(metadataOf(clone(obj)), 'namespace') ?? 'default' : undefined;
    return this.store.create(type, namespace, obj);
  }

  /** The stored object, or undefined; reads state without going through HTTP. */
  peek(plural: string, name: string, namespace?: string): JsonObject | undefined {
    const type = this.#typeByPlural(plural);
    return this.store.list(type, namespace).find(([, o]) => stringAt(metadataOf(o), 'name') === name)?.[1];
  }

  /** Accepts `token` as `user` (e.g. a service account's pod-bound token); returns the token. */
  addIdentity(token: string, user: UserInfo): string {
    this.identities.add(token, user);
    return token;
  }

  /** Stops accepting `token` (401 from now on): a client cut off from the API server. */
  revokeIdentity(token: string): void {
    this.identities.remove(token);
  }

  /** Adds a fault for the next matching requests (see FaultSpec). */
  inject(spec: FaultSpec): Fault {
    return this.faults.inject(spec);
  }

  /** Drops the event history: any watch or continue token from an older resourceVersion gets 410. */
  compactHistory(): void {
    this.store.hub.compact(this.store.resourceVersion);
  }

  get openWatches(): number {
    return this.#watches.size;
  }

  /** Ends every open watch stream, as an API server restart or timeout would; returns how many. */
  closeWatches(): number {
    const open = [...this.#watches];
    open.forEach((w) => w.stop());
    return open.length;
  }

  async close(): Promise<void> {
    this.closeWatches();
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

/**
 * A watched, decoded copy of one kind of custom resource (an informer from @kubernetes/client-node).
 * Reads (ListVolumes, lookups) are served from here, and callers can wait until an object reaches a state,
 * bounded by their AbortSignal (the CSI call's deadline, DESIGN.md §2).
 */
import { makeInformer, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { DriverError } from '../../domain/errors.js';
import type { KubeApi, Plural } from './api.js';
import { GROUP, VERSION } from './resources.js';

type Listener<T> = (name: string, obj: T | undefined) => void;

const RESTART_MS = 1000;

function resourceVersionOf(o: { metadata: object }): string | undefined {
  const rv: unknown = (o.metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}

/**
 * True when resourceVersion `a` is known to be later than `b`. Kubernetes calls them opaque, but an
 * etcd-backed server (and the test fake) hands out increasing integers; anything else is not compared.
 */
function isLater(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^[0-9]+$/.test(a) || !/^[0-9]+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}

export class ResourceCache<T extends { metadata: { name: string } }> {
  private readonly objects = new Map<string, T>();
  private readonly listeners = new Set<Listener<T>>();
  private stopped = false;
  /** Set by the first successful list only: an empty cache after a failed list must not read as "no objects". */
  private synced = false;
  private informer: ReturnType<typeof makeInformer<KubernetesObject>> | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly plural: Plural,
    private readonly decode: (raw: unknown) => T | undefined,
    private readonly labelSelector?: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  get isSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const list = await this.api.list(this.plural, this.labelSelector);
      // Drop objects deleted while the watch was down: the list is the whole truth at this point.
      const names = new Set<string>();
      for (const raw of list.items) {
        const obj = this.decode(raw);
        if (obj) names.add(obj.metadata.name);
      }
      for (const name of [...this.objects.keys()]) if (!names.has(name)) this.set(name, undefined);
      this.synced = true;
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: list.resourceVersion }, items: list.items as KubernetesObject[] };
    };
    const path = `/apis/${GROUP}/${VERSION}/${this.plural}`;
    const informer = makeInformer<KubernetesObject>(this.api.kc, path, listFn, this.labelSelector);
    const onObject = (raw: KubernetesObject): void => {
      const obj = this.decode(raw);
      if (obj) this.setUnlessOlder(obj);
    };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', (raw) => {
      const name = raw.metadata?.name;
      if (name) this.set(name, undefined);
    });
    informer.on('error', (err: unknown) => {
      this.onError(err);
      if (!this.stopped) setTimeout(() => void informer.start().catch(this.onError), RESTART_MS).unref();
    });
    this.informer = informer;
    await informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }

  /**
   * Applies an object the caller just wrote, so its own next read sees it before the watch echoes it. The
   * watch may already have delivered a later version (another writer's change arrived before this write's
   * answer); that one is kept and returned, else a deletion mark could be overwritten by an older object
   * and, with no further event to come, never acted on.
   */
  observe(raw: unknown): T | undefined {
    const obj = this.decode(raw);
    return obj === undefined ? undefined : this.setUnlessOlder(obj);
  }

  /** Stores obj unless the cache already holds a later version of it (a watch event lagging an observed write). */
  private setUnlessOlder(obj: T): T {
    const cached = this.objects.get(obj.metadata.name);
    if (cached !== undefined && isLater(resourceVersionOf(cached), resourceVersionOf(obj))) return cached;
    this.set(obj.metadata.name, obj);
    return obj;
  }

  private set(name: string, obj: T | undefined): void {
    if (obj) this.objects.set(name, obj);
    else if (!this.objects.delete(name)) return;
    for (const l of this.listeners) l(name, obj);
  }

  get(name: string): T | undefined {
    return this.objects.get(name);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  /** Calls fn on every change (name, new object or undefined when deleted); returns the unsubscribe. */
  subscribe(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Resolves with the first state of `name` (undefined = gone) for which `done` returns true.
   * Rejects with the signal's reason (a DriverError from the gRPC adapter) or ABORTED when aborted.
   */
  waitFor(name: string, done: (obj: T | undefined) => boolean, signal: AbortSignal): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const current = this.objects.get(name);
      if (done(current)) return resolve(current);
      const finish = (): void => {
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
      };
      const unsubscribe = this.subscribe((n, obj) => {
        if (n === name && done(obj)) {
          finish();
          resolve(obj);
        }
      });
      const onAbort = (): void => {
        finish();
        const reason: unknown = signal.reason;
        reject(reason instanceof DriverError ? reason : new DriverError('ABORTED', `still waiting for ${this.plural}/${name}`));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

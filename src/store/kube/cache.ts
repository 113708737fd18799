/**
 * A watched, decoded copy of one kind of custom resource (an informer from @kubernetes/client-node).
 * Reads (ListVolumes, lookups) are served from here, and callers can wait until an object reaches a state,
 * bounded by their AbortSignal (the CSI call's deadline, DESIGN.md §2).
 */
import { makeInformer, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { DriverError } from '../../domain/errors.js';
import type { KubeApi, Plural } from './api.js';
import { GROUP, VERSION } from './resources.js';
import { WatchOrder } from './watch-order.js';

type Listener<T> = (name: string, obj: T | undefined) => void;

const RESTART_MS = 1000;

function resourceVersionOf(o: { metadata: object }): string | undefined {
  const rv: unknown = (o.metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}

export class ResourceCache<T extends { metadata: { name: string } }> {
  private readonly objects = new Map<string, T>();
  private readonly listeners = new Set<Listener<T>>();
  private readonly order = new WatchOrder();
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
      // The list is the whole truth at this point (first start, or a relist after 410 Gone): it replaces
      // every copy, including write answers still waiting for their echo, and drops objects deleted while
      // the watch was down.
      this.order.relisted();
      const names = new Set<string>();
      for (const raw of list.items) {
        const obj = this.decode(raw);
        if (obj === undefined) continue;
        names.add(obj.metadata.name);
        this.order.watched(obj.metadata.name, resourceVersionOf(obj));
        this.set(obj.metadata.name, obj);
      }
      for (const name of [...this.objects.keys()]) if (!names.has(name)) this.set(name, undefined);
      this.synced = true;
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: list.resourceVersion }, items: list.items as KubernetesObject[] };
    };
    const path = `/apis/${GROUP}/${VERSION}/${this.plural}`;
    const informer = makeInformer<KubernetesObject>(this.api.kc, path, listFn, this.labelSelector);
    const onObject = (raw: KubernetesObject): void => {
      const obj = this.decode(raw);
      if (obj && this.order.watched(obj.metadata.name, resourceVersionOf(obj)) === 'apply') this.set(obj.metadata.name, obj);
    };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', (raw) => {
      const name = raw.metadata?.name;
      if (name === undefined) return;
      this.order.deleted(name);
      this.set(name, undefined);
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

  /** Take before sending a write; hand to observe() with its answer. */
  get epoch(): number {
    return this.order.epoch;
  }

  /**
   * Applies an object the caller just wrote (sent at `epoch`), so its own next read sees it before the
   * watch echoes it. When the watch already delivered it (or a relist spanned the write), the cached copy
   * is at least as new and is kept and returned: else a deletion mark could be overwritten by an older
   * object and, with no further event to come, never acted on. See watch-order.ts.
   */
  observe(raw: unknown, epoch: number): T | undefined {
    const obj = this.decode(raw);
    if (obj === undefined) return undefined;
    const name = obj.metadata.name;
    if (this.order.answered(name, resourceVersionOf(obj), epoch) === 'ignore') return this.objects.get(name) ?? obj;
    this.set(name, obj);
    return obj;
  }

  /** Stores (or drops) an object; listeners hear of it unless it is the copy already held. */
  private set(name: string, obj: T | undefined): void {
    if (obj) {
      const held = this.objects.get(name);
      this.objects.set(name, obj);
      const rv = resourceVersionOf(obj);
      if (held !== undefined && rv !== undefined && resourceVersionOf(held) === rv) return;
    } else if (!this.objects.delete(name)) return;
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

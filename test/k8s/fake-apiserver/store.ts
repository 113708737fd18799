/**
 * The object store: one resourceVersion clock for every type (as etcd has), objects by type and
 * namespace/name, and the write paths that enforce optimistic concurrency, finalizers and no-op detection.
 * Every write publishes one change event to the hub.
 */
import { randomUUID } from 'node:crypto';
import { clone, deepEqual, stringAt, type JsonObject } from './json.js';
import {
  finalizersOf, isDeleting, markDeleting, metadataOf, prepareCreate, prepareStatusUpdate, prepareUpdate,
} from './object-rules.js';
import type { ResourceType } from './resources.js';
import { alreadyExists, conflict, internal, invalid, notFound } from './status.js';
import type { ChangeType, WatchHub } from './watch-hub.js';

/** Validating admission of one write: throws to refuse it (see admission.ts). */
export type Admit = (operation: 'CREATE' | 'UPDATE' | 'DELETE', oldObject: JsonObject | null, object: JsonObject | null) => void;

export interface UpdateOptions {
  readonly status: boolean;
  readonly admit?: Admit | undefined;
  /** PUT of a custom resource must name the resourceVersion it replaces. */
  readonly requireResourceVersion: boolean;
}

export interface DeletePreconditions {
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

export interface DeleteResult {
  /** Removed now (true) or only marked for deletion because finalizers remain (false). */
  readonly removed: boolean;
  readonly object: JsonObject;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ObjectStore {
  #rv: number;
  readonly #objects = new Map<string, Map<string, JsonObject>>();

  constructor(
    readonly hub: WatchHub,
    initialRv: number,
  ) {
    this.#rv = initialRv;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  #bucket(type: ResourceType): Map<string, JsonObject> {
    let bucket = this.#objects.get(type.key);
    if (bucket === undefined) {
      bucket = new Map();
      this.#objects.set(type.key, bucket);
    }
    return bucket;
  }

  #existing(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const obj = this.#bucket(type).get(objectKey(namespace, name));
    if (obj === undefined) throw notFound(type, name);
    return obj;
  }

  #write(type: ResourceType, change: ChangeType, obj: JsonObject, previous: JsonObject | undefined): JsonObject {
    this.#rv += 1;
    metadataOf(obj)['resourceVersion'] = String(this.#rv);
    const key = objectKey(stringAt(metadataOf(obj), 'namespace'), stringAt(metadataOf(obj), 'name') ?? '');
    if (change === 'DELETED') this.#bucket(type).delete(key);
    else this.#bucket(type).set(key, obj);
    this.hub.publish({ type: change, rv: this.#rv, typeKey: type.key, object: clone(obj), previous });
    return clone(obj);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    return clone(this.#existing(type, namespace, name));
  }

  /** Current objects of a type, sorted by namespace/name (the order lists and continue tokens use). */
  list(type: ResourceType, namespace: string | undefined): Array<[string, JsonObject]> {
    const entries = [...this.#bucket(type).entries()]
      .filter(([, obj]) => namespace === undefined || stringAt(metadataOf(obj), 'namespace') === namespace)
      .map(([key, obj]): [string, JsonObject] => [key, clone(obj)]);
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  #generateName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      const name = prefix + suffix;
      if (!this.#bucket(type).has(objectKey(namespace, name))) return name;
    }
  }

  create(type: ResourceType, namespace: string | undefined, body: JsonObject, admit?: Admit): JsonObject {
    const meta = metadataOf(body);
    if (stringAt(meta, 'resourceVersion') !== undefined && meta['resourceVersion'] !== '') {
      throw internal('resourceVersion should not be set on objects to be created');
    }
    const generateName = stringAt(meta, 'generateName');
    let name = stringAt(meta, 'name') ?? '';
    if (name === '' && generateName !== undefined && generateName !== '') {
      name = this.#generateName(type, namespace, generateName);
    }
    if (name === '') throw invalid(type, '', 'metadata.name: Required value: name or generateName is required');
    if (this.#bucket(type).has(objectKey(namespace, name))) throw alreadyExists(type, name);
    const obj = prepareCreate(type, body, { name, namespace, uid: randomUUID(), now: nowRfc3339() });
    admit?.('CREATE', null, clone(obj));
    return this.#write(type, 'ADDED', obj, undefined);
  }

  update(type: ResourceType, namespace: string | undefined, name: string, body: JsonObject, opts: UpdateOptions): JsonObject {
    const old = this.#existing(type, namespace, name);
    const oldRv = stringAt(metadataOf(old), 'resourceVersion');
    const wanted = stringAt(metadataOf(clone(body)), 'resourceVersion');
    if (wanted === undefined || wanted === '') {
      if (opts.requireResourceVersion) {
        throw invalid(type, name, 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
      }
    } else if (wanted !== oldRv) {
      throw conflict(type, name);
    }
    const next = opts.status ? prepareStatusUpdate(old, body) : prepareUpdate(type, old, body);
    metadataOf(next)['resourceVersion'] = oldRv ?? '';
    opts.admit?.('UPDATE', clone(old), clone(next));
    if (isDeleting(old) && finalizersOf(next).length === 0) {
      // Emptying the finalizers of an object marked for deletion deletes it (registry errEmptiedFinalizers).
      return this.#write(type, 'DELETED', next, clone(old));
    }
    // A write that changes nothing is not a write: no new resourceVersion, no event (as on a real server).
    if (deepEqual(next, old)) return clone(old);
    return this.#write(type, 'MODIFIED', next, clone(old));
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, pre: DeletePreconditions, admit?: Admit): DeleteResult {
    const old = this.#existing(type, namespace, name);
    const meta = metadataOf(clone(old));
    const uid = stringAt(meta, 'uid') ?? '';
    const rv = stringAt(meta, 'resourceVersion') ?? '';
    if (pre.uid !== undefined && pre.uid !== uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== rv) {
      throw conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${rv}`);
    }
    admit?.('DELETE', clone(old), null);
    if (finalizersOf(old).length > 0) {
      if (isDeleting(old)) return { removed: false, object: clone(old) };
      return { removed: false, object: this.#write(type, 'MODIFIED', markDeleting(old, nowRfc3339()), clone(old)) };
    }
    return { removed: true, object: this.#write(type, 'DELETED', clone(old), clone(old)) };
  }

  /**
   * The objects of a type as they were at `rv` (for continued lists), rebuilt by undoing later events;
   * undefined when the history no longer reaches back to `rv`.
   */
  listAt(type: ResourceType, namespace: string | undefined, rv: number): Array<[string, JsonObject]> | undefined {
    const later = this.hub.eventsAfter(rv);
    if (later === undefined) return undefined;
    const state = new Map(this.list(type, undefined));
    for (const event of later.filter((e) => e.typeKey === type.key).reverse()) {
      const meta = metadataOf(clone(event.object));
      const key = objectKey(stringAt(meta, 'namespace'), stringAt(meta, 'name') ?? '');
      if (event.previous === undefined) state.delete(key);
      else state.set(key, clone(event.previous));
    }
    return [...state.entries()]
      .filter(([, obj]) => namespace === undefined || stringAt(metadataOf(obj), 'namespace') === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

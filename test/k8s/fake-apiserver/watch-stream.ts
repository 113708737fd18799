/**
 * One watch connection: newline-delimited JSON events for one type (and namespace and selector), from the
 * requested resourceVersion on. Without a resourceVersion (or "0") it starts with a synthetic ADDED per
 * current object, as a real server does. Selector transitions are reported the way the watch cache does:
 * an object that stops matching is DELETED, one that starts matching is ADDED.
 */
import type { ServerResponse } from 'node:http';
import { stringAt, type JsonObject } from './json.js';
import { metadataOf } from './object-rules.js';
import type { ResourceType } from './resources.js';
import { matches, type Selector } from './selectors.js';
import { badRequest, expired } from './status.js';
import type { ObjectStore } from './store.js';
import type { ChangeEvent } from './watch-hub.js';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly resourceVersion: string | undefined;
  readonly bookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
}

export interface WatchSettings {
  readonly bookmarkIntervalMs: number;
}

/** A running watch; `stop()` ends the response, which the client sees as the server closing the stream. */
export interface OpenWatch {
  stop(): void;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED';

function inScope(req: WatchRequest, obj: JsonObject | undefined): obj is JsonObject {
  if (obj === undefined) return false;
  if (req.namespace !== undefined && stringAt(metadataOf(obj), 'namespace') !== req.namespace) return false;
  return matches(obj, req.selector);
}

/** The event this watcher sees for a change, or undefined when the change is invisible to it. */
function translate(req: WatchRequest, event: ChangeEvent): { type: WireType; object: JsonObject } | undefined {
  if (event.typeKey !== req.type.key) return undefined;
  const now = event.type !== 'DELETED' && inScope(req, event.object);
  const before = event.type !== 'ADDED' && inScope(req, event.previous);
  if (event.type === 'DELETED') return before ? { type: 'DELETED', object: event.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: event.object };
  if (now) return { type: 'ADDED', object: event.object };
  if (before) return { type: 'DELETED', object: event.object };
  return undefined;
}

export function parseStartRv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (!/^[0-9]+$/.test(raw)) throw badRequest(`invalid resource version: "${raw}"`);
  return Number(raw);
}

export function startWatch(store: ObjectStore, req: WatchRequest, res: ServerResponse, settings: WatchSettings): OpenWatch {
  const startRv = parseStartRv(req.resourceVersion);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const send = (type: string, object: JsonObject): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const stop = (): void => {
    unsubscribe();
    timers.forEach((t) => clearTimeout(t));
    if (!res.writableEnded) res.end();
  };
  res.on('close', stop);

  const backlog = startRv === undefined ? initialEvents(store, req) : store.hub.eventsAfter(startRv);
  if (backlog === undefined) {
    const gone = expired(`too old resource version: ${String(startRv)} (${store.hub.floor})`);
    send('ERROR', gone.toStatus());
    stop();
    return { stop };
  }
  unsubscribe = store.hub.subscribe((event) => {
    const out = translate(req, event);
    if (out !== undefined) send(out.type, out.object);
  });
  for (const event of backlog) {
    const out = translate(req, event);
    if (out !== undefined) send(out.type, out.object);
  }
  if (req.bookmarks) {
    const bookmark = (): void => send('BOOKMARK', {
      kind: req.type.kind, apiVersion: req.type.apiVersion, metadata: { resourceVersion: String(store.resourceVersion) },
    });
    timers.push(setInterval(bookmark, settings.bookmarkIntervalMs));
  }
  if (req.timeoutSeconds !== undefined) timers.push(setTimeout(stop, req.timeoutSeconds * 1000));
  return { stop };
}

/** Synthetic ADDED events for the current state ("get state and start at most recent"). */
function initialEvents(store: ObjectStore, req: WatchRequest): ChangeEvent[] {
  return store.list(req.type, req.namespace).map(([, object]) => ({
    type: 'ADDED', rv: Number(stringAt(metadataOf(object), 'resourceVersion') ?? '0'), typeKey: req.type.key, object, previous: undefined,
  }));
}

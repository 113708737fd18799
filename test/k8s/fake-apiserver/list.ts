/**
 * List with `limit`/`continue`. A continue token pins the resourceVersion of the first page and the last
 * key returned, so later pages come from the same snapshot however the objects change in between (what
 * etcd's MVCC gives a real server); a token older than the history is 410 Expired.
 */
import { isObject, parseJson, type JsonObject } from './json.js';
import type { ResourceType } from './resources.js';
import { matches, type Selector } from './selectors.js';
import { badRequest, expired } from './status.js';
import type { ObjectStore } from './store.js';

export interface ListQuery {
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly limit: number | undefined;
  readonly continueToken: string | undefined;
}

interface ContinueState {
  readonly rv: number;
  readonly start: string;
}

function encodeToken(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: state.rv, start: state.start })).toString('base64url');
}

function decodeToken(token: string): ContinueState {
  try {
    const value = parseJson(Buffer.from(token, 'base64url').toString('utf8'));
    if (isObject(value) && typeof value['rv'] === 'number' && typeof value['start'] === 'string') {
      return { rv: value['rv'], start: value['start'] };
    }
  } catch {
    // fall through to the same error as any other unreadable token
  }
  throw badRequest('continue key is not valid: invalid continue token');
}

const TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function listObjects(store: ObjectStore, type: ResourceType, q: ListQuery): JsonObject {
  const state = q.continueToken === undefined || q.continueToken === '' ? undefined : decodeToken(q.continueToken);
  const rv = state?.rv ?? store.resourceVersion;
  const snapshot = state === undefined ? store.list(type, q.namespace) : store.listAt(type, q.namespace, rv);
  if (snapshot === undefined) throw expired(TOO_OLD);
  const selected = snapshot.filter(([key, obj]) => (state === undefined || key > state.start) && matches(obj, q.selector));
  const limit = q.limit !== undefined && q.limit > 0 ? q.limit : selected.length;
  const page = selected.slice(0, limit);
  const metadata: JsonObject = { resourceVersion: String(rv) };
  const last = page[page.length - 1];
  if (selected.length > page.length && last !== undefined) {
    metadata['continue'] = encodeToken({ rv, start: last[0] });
    // A real server only knows the remaining count when no selector filters the list.
    if (q.selector.labels.length === 0 && q.selector.fields.length === 0) {
      metadata['remainingItemCount'] = selected.length - page.length;
    }
  }
  return { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata, items: page.map(([, obj]) => obj) };
}

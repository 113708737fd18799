/**
 * URL paths of the Kubernetes REST API, resolved against the registered types:
 *   /api/v1[/namespaces/{ns}]/{plural}[/{name}[/status]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/status]]
 * plus the discovery documents (/api, /apis, /api/v1, /apis/{group}/{version}).
 */
import type { ResourceRegistry, ResourceType, Subresource } from './resources.js';
import { pathNotFound } from './status.js';

export type Route =
  | { readonly kind: 'collection'; readonly type: ResourceType; readonly namespace: string | undefined }
  | {
      readonly kind: 'item';
      readonly type: ResourceType;
      readonly namespace: string | undefined;
      readonly name: string;
      readonly subresource: Subresource | undefined;
    }
  | { readonly kind: 'discovery'; readonly apiVersion: string | undefined; readonly root: 'api' | 'apis' };

function splitApiVersion(segments: readonly string[]): { apiVersion: string; rest: string[] } | undefined {
  const [root, a, b, ...rest] = segments;
  if (root === 'api' && a !== undefined) return { apiVersion: a, rest: b === undefined ? rest : [b, ...rest] };
  if (root === 'apis' && a !== undefined && b !== undefined) return { apiVersion: `${a}/${b}`, rest };
  return undefined;
}

export function resolveRoute(registry: ResourceRegistry, pathname: string): Route {
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  if (segments.length === 1 && (segments[0] === 'api' || segments[0] === 'apis')) {
    return { kind: 'discovery', apiVersion: undefined, root: segments[0] };
  }
  const split = splitApiVersion(segments);
  if (split === undefined) throw pathNotFound(pathname);
  const { apiVersion, rest } = split;
  if (rest.length === 0) return { kind: 'discovery', apiVersion, root: segments[0] === 'api' ? 'api' : 'apis' };
  let namespace: string | undefined;
  let tail = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[1] !== undefined) {
    namespace = rest[1];
    tail = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = tail;
  const type = plural === undefined ? undefined : registry.lookup(apiVersion, plural);
  if (type === undefined || extra.length > 0 || (namespace !== undefined && !type.namespaced)) throw pathNotFound(pathname);
  if (name === undefined) return { kind: 'collection', type, namespace };
  if (type.namespaced && namespace === undefined) throw pathNotFound(pathname);
  const sub = type.subresources.find((s) => s === subresource);
  if (subresource !== undefined && sub === undefined) throw pathNotFound(pathname);
  return { kind: 'item', type, namespace, name, subresource: sub };
}

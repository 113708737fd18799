/**
 * Minimal discovery documents, enough for clients (e.g. KubernetesObjectApi) that look up a kind's plural
 * and scope before talking to it.
 */
import type { JsonObject } from './json.js';
import type { ResourceRegistry } from './resources.js';
import { pathNotFound } from './status.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function discoveryDocument(registry: ResourceRegistry, root: 'api' | 'apis', apiVersion: string | undefined): JsonObject {
  if (apiVersion === undefined) return root === 'api' ? coreVersions() : groupList(registry);
  const types = registry.byApiVersion(apiVersion);
  if (types.length === 0) throw pathNotFound(`/${root}/${apiVersion}`);
  const resources: JsonObject[] = [];
  for (const t of types) {
    resources.push({ name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: VERBS });
    for (const sub of t.subresources) {
      resources.push({ name: `${t.plural}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersion, resources };
}

function coreVersions(): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}

function groupList(registry: ResourceRegistry): JsonObject {
  const groups = new Map<string, Set<string>>();
  for (const t of registry.all()) {
    if (t.group === '') continue;
    const versions = groups.get(t.group) ?? new Set<string>();
    versions.add(t.version);
    groups.set(t.group, versions);
  }
  const list = [...groups.entries()].map(([name, versions]): JsonObject => {
    const vs = [...versions].map((v): JsonObject => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0] ?? null };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

/**
 * Authorization and admission of one request, between authentication and the verb: the RBAC verb of the
 * method and route, a real server's 403 wording, and the admission callback the store runs on each write.
 */
import type { AdmissionPolicies } from './admission.js';
import type { CrdRules } from './crd-rules.js';
import type { UserInfo } from './identity.js';
import type { RbacAuthorizer } from './rbac.js';
import type { Route } from './routes.js';
import { ApiError } from './status.js';
import type { Admit } from './store.js';

type ResourceRoute = Extract<Route, { kind: 'collection' | 'item' }>;

function verbOf(method: string, watch: boolean, route: ResourceRoute): string {
  if (route.kind === 'collection') return method === 'POST' ? 'create' : watch ? 'watch' : 'list';
  return ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ?? method.toLowerCase();
}

/** Throws 403 Forbidden, worded as the API server words it, unless RBAC allows the request. */
export function authorize(rbac: RbacAuthorizer | undefined, user: UserInfo, method: string, watch: boolean, route: ResourceRoute): void {
  if (rbac === undefined) return;
  const verb = verbOf(method, watch, route);
  const name = route.kind === 'item' ? route.name : undefined;
  const resource = route.kind === 'item' && route.subresource !== undefined ? `${route.type.plural}/${route.subresource}` : route.type.plural;
  if (rbac.allows(user, { verb, apiGroup: route.type.group, resource, namespace: route.namespace, name })) return;
  const qualified = route.type.group === '' ? route.type.plural : `${route.type.plural}.${route.type.group}`;
  const scope = route.namespace === undefined ? 'at the cluster scope' : `in the namespace "${route.namespace}"`;
  const group = route.type.group === '' ? '""' : `"${route.type.group}"`;
  throw new ApiError(403, 'Forbidden',
    `${qualified}${name === undefined ? '' : ` "${name}"`} is forbidden: User "${user.username}" cannot ${verb} resource "${resource}" in API group ${group} ${scope}`,
    { ...(name === undefined ? {} : { name }), group: route.type.group, kind: route.type.plural });
}

/**
 * The store's callback for this request's writes: the CRD's validation rules, then the validating
 * admission policies (the API server's order); undefined when neither is loaded.
 */
export function admitFor(
  crdRules: CrdRules | undefined, policies: AdmissionPolicies | undefined, user: UserInfo, route: ResourceRoute,
): Admit | undefined {
  if (policies === undefined && crdRules === undefined) return undefined;
  const [group, version] = route.type.apiVersion.includes('/') ? route.type.apiVersion.split('/') : ['', route.type.apiVersion];
  return (operation, oldObject, object) => {
    if (object !== null) crdRules?.validate(route.type.group, route.type.plural, object, oldObject);
    const meta = (object ?? oldObject)?.['metadata'];
    const name = typeof meta === 'object' && meta !== null && !Array.isArray(meta) && typeof meta['name'] === 'string' ? meta['name'] : '';
    policies?.admit({
      operation, group: group ?? '', version: version ?? '', resource: route.type.plural, kind: route.type.kind,
      subResource: route.kind === 'item' ? route.subresource ?? '' : '', name, namespace: route.namespace, user, object, oldObject,
    });
  };
}

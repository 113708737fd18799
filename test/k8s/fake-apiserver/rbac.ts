/**
 * RBAC as the API server evaluates it (rbac.authorization.k8s.io/v1): the union of the rules of every
 * ClusterRole bound cluster-wide and every Role or ClusterRole bound in the request's namespace, matched on
 * API group, resource (with "/subresource"), verb and resourceNames. system:masters bypasses, as on a
 * real cluster. Built from the chart's rendered documents, so a test proves what the chart grants.
 */
import type { UserInfo } from './identity.js';
import { obj, strings, str, type Doc } from './doc.js';

export interface Attributes {
  readonly verb: string;
  readonly apiGroup: string;
  /** "plural" or "plural/subresource". */
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames: readonly string[];
}

interface Subject { readonly kind: string; readonly name: string; readonly namespace: string | undefined }

interface Binding {
  readonly namespace: string | undefined;
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjects: readonly Subject[];
}

function rulesOf(doc: Doc): Rule[] {
  return (Array.isArray(doc['rules']) ? doc['rules'] : []).map((r) => {
    const o = obj(r);
    return { apiGroups: strings(o['apiGroups']), resources: strings(o['resources']), verbs: strings(o['verbs']), resourceNames: strings(o['resourceNames']) };
  });
}

const matches = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

function ruleAllows(rule: Rule, a: Attributes): boolean {
  if (!matches(rule.verbs, a.verb) || !matches(rule.apiGroups, a.apiGroup)) return false;
  // rbac/v1 ResourceMatches: "*" is every resource and subresource; "*/sub" is that subresource of any.
  const sub = a.resource.includes('/') ? a.resource.slice(a.resource.indexOf('/') + 1) : undefined;
  const resourceOk = matches(rule.resources, a.resource) || (sub !== undefined && rule.resources.includes(`*/${sub}`));
  if (!resourceOk) return false;
  return rule.resourceNames.length === 0 || (a.name !== undefined && rule.resourceNames.includes(a.name));
}

function subjectIs(s: Subject, user: UserInfo): boolean {
  if (s.kind === 'User') return s.name === user.username;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  return s.kind === 'ServiceAccount' && user.username === `system:serviceaccount:${s.namespace ?? ''}:${s.name}`;
}

export class RbacAuthorizer {
  readonly #roles = new Map<string, Rule[]>();
  readonly #bindings: Binding[] = [];

  /** Loads Role, ClusterRole, RoleBinding and ClusterRoleBinding documents; anything else is ignored. */
  static fromDocuments(docs: readonly unknown[]): RbacAuthorizer {
    const rbac = new RbacAuthorizer();
    for (const raw of docs) rbac.#load(obj(raw));
    return rbac;
  }

  #load(doc: Doc): void {
    const meta = obj(doc['metadata']);
    const name = str(meta['name']) ?? '';
    const namespace = str(meta['namespace']);
    const kind = str(doc['kind']);
    if (kind === 'ClusterRole') this.#roles.set(`ClusterRole/${name}`, rulesOf(doc));
    else if (kind === 'Role') this.#roles.set(`Role/${namespace ?? ''}/${name}`, rulesOf(doc));
    else if (kind === 'ClusterRoleBinding' || kind === 'RoleBinding') {
      const ref = obj(doc['roleRef']);
      const subjects = (Array.isArray(doc['subjects']) ? doc['subjects'] : []).map((s) => {
        const o = obj(s);
        return { kind: str(o['kind']) ?? '', name: str(o['name']) ?? '', namespace: str(o['namespace']) };
      });
      this.#bindings.push({
        namespace: kind === 'RoleBinding' ? namespace ?? '' : undefined,
        roleKind: str(ref['kind']) ?? '', roleName: str(ref['name']) ?? '', subjects,
      });
    }
  }

  #rulesOf(b: Binding): Rule[] {
    const key = b.roleKind === 'Role' ? `Role/${b.namespace ?? ''}/${b.roleName}` : `ClusterRole/${b.roleName}`;
    return this.#roles.get(key) ?? [];
  }

  allows(user: UserInfo, a: Attributes): boolean {
    if (user.groups.includes('system:masters')) return true;
    return this.#bindings.some((b) =>
      (b.namespace === undefined || b.namespace === a.namespace) &&
      b.subjects.some((s) => subjectIs(s, user)) &&
      this.#rulesOf(b).some((r) => ruleAllows(r, a)));
  }
}

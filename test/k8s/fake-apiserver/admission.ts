/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) as the API server applies it, with real CEL
 * (@marcbachmann/cel-js, optional types on, as Kubernetes enables them): a policy acts only through a
 * binding with validationActions Deny; matchConstraints pick operation and resource ("plural" does not
 * match its subresources, "plural/status" does); every matchCondition must hold; variables are computed
 * in order; the first failing validation denies with its message and reason. An expression error denies
 * under failurePolicy Fail (the default). Loaded from the chart's rendered documents.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { UserInfo } from './identity.js';
import type { JsonObject } from './json.js';
import { ApiError } from './status.js';
import { obj, list, strings, str, type Doc } from './doc.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  readonly operation: Operation;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subResource: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly user: UserInfo;
  readonly object: JsonObject | null;
  readonly oldObject: JsonObject | null;
}

interface Named { readonly name: string; readonly expression: string }
interface Validation {
  readonly expression: string;
  readonly message: string | undefined;
  readonly messageExpression: string | undefined;
  readonly reason: string | undefined;
}
interface ResourceRule { readonly apiGroups: string[]; readonly apiVersions: string[]; readonly operations: string[]; readonly resources: string[] }

interface Policy {
  readonly name: string;
  readonly failClosed: boolean;
  readonly rules: readonly ResourceRule[];
  readonly matchConditions: readonly Named[];
  readonly variables: readonly Named[];
  readonly validations: readonly Validation[];
}

const named = (v: unknown): Named[] => list(v).map((o) => ({ name: str(o['name']) ?? '', expression: str(o['expression']) ?? 'false' }));

function policyOf(doc: Doc): Policy {
  const spec = obj(doc['spec']);
  return {
    name: str(obj(doc['metadata'])['name']) ?? '',
    failClosed: (str(spec['failurePolicy']) ?? 'Fail') === 'Fail',
    rules: list(obj(spec['matchConstraints'])['resourceRules']).map((r) => ({
      apiGroups: strings(r['apiGroups']), apiVersions: strings(r['apiVersions']),
      operations: strings(r['operations']), resources: strings(r['resources']),
    })),
    matchConditions: named(spec['matchConditions']),
    variables: named(spec['variables']),
    validations: list(spec['validations']).map((v) => ({
      expression: str(v['expression']) ?? 'false',
      message: str(v['message']), messageExpression: str(v['messageExpression']), reason: str(v['reason']),
    })),
  };
}

const any = (l: readonly string[], v: string): boolean => l.includes('*') || l.includes(v);

function ruleMatches(r: ResourceRule, req: AdmissionRequest): boolean {
  const resource = req.subResource === '' ? req.resource : `${req.resource}/${req.subResource}`;
  const resourceOk = r.resources.includes('*') || r.resources.includes(resource) ||
    (req.subResource !== '' && (r.resources.includes(`${req.resource}/*`) || r.resources.includes(`*/${req.subResource}`)));
  return any(r.apiGroups, req.group) && any(r.apiVersions, req.version) && any(r.operations, req.operation) && resourceOk;
}

const REASON_CODES: Record<string, number> = { Forbidden: 403, Invalid: 422, Unauthorized: 401, RequestEntityTooLarge: 413 };

export class AdmissionPolicies {
  readonly #env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  readonly #policies = new Map<string, Policy>();
  /** Policy name → binding names with validationActions containing Deny. */
  readonly #bindings = new Map<string, string[]>();

  static fromDocuments(docs: readonly unknown[]): AdmissionPolicies {
    const p = new AdmissionPolicies();
    for (const raw of docs) {
      const doc = obj(raw);
      if (doc['kind'] === 'ValidatingAdmissionPolicy') {
        const policy = policyOf(doc);
        p.#policies.set(policy.name, policy);
      } else if (doc['kind'] === 'ValidatingAdmissionPolicyBinding') {
        const spec = obj(doc['spec']);
        const policyName = str(spec['policyName']) ?? '';
        if (!strings(spec['validationActions']).includes('Deny')) continue;
        p.#bindings.set(policyName, [...(p.#bindings.get(policyName) ?? []), str(obj(doc['metadata'])['name']) ?? '']);
      }
    }
    return p;
  }

  get policyNames(): string[] {
    return [...this.#policies.keys()];
  }

  /** Throws the API server's denial when a bound policy rejects the request. */
  admit(req: AdmissionRequest): void {
    for (const [name, bindings] of this.#bindings) {
      const policy = this.#policies.get(name);
      if (policy === undefined || !policy.rules.some((r) => ruleMatches(r, req))) continue;
      for (const binding of bindings) this.#check(policy, binding, req);
    }
  }

  #check(policy: Policy, binding: string, req: AdmissionRequest): void {
    const deny = (message: string, reason = 'Invalid'): never => {
      throw new ApiError(REASON_CODES[reason] ?? 422, reason,
        `${req.resource}.${req.group} "${req.name}" is forbidden: ValidatingAdmissionPolicy '${policy.name}' with binding '${binding}' denied request: ${message}`);
    };
    const variables: Record<string, unknown> = {};
    const ctx = {
      request: {
        operation: req.operation, name: req.name, namespace: req.namespace ?? '', subResource: req.subResource,
        resource: { group: req.group, version: req.version, resource: req.resource },
        kind: { group: req.group, version: req.version, kind: req.kind },
        userInfo: { username: req.user.username, uid: req.user.uid ?? '', groups: [...req.user.groups], extra: req.user.extra },
        dryRun: false,
      },
      object: req.object, oldObject: req.oldObject, params: null, namespaceObject: null, variables,
    };
    const run = (expression: string): unknown => {
      try {
        return this.#env.evaluate(expression, ctx);
      } catch (err) {
        if (!policy.failClosed) return undefined;
        return deny(`expression '${expression}' resulted in error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    };
    for (const c of policy.matchConditions) if (run(c.expression) !== true) return;
    for (const v of policy.variables) variables[v.name] = run(v.expression);
    for (const v of policy.validations) {
      if (run(v.expression) === true) continue;
      const message = v.messageExpression === undefined ? v.message ?? `failed expression: ${v.expression}` : String(run(v.messageExpression));
      deny(message, v.reason);
    }
  }
}

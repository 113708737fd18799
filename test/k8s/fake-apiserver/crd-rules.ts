/**
 * CRD validation rules (x-kubernetes-validations) as the API server evaluates them, with real CEL: a rule
 * on a schema node runs with `self` bound to the value at that path, only when the value is present; a
 * transition rule (one that names `oldSelf`) runs only on updates where the old object has that path too.
 * Only `properties` are walked (the driver's CRDs put no rules under items or additionalProperties). A
 * failure is 422 Invalid worded like the API server. Loaded from the chart's CRDs.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JsonObject } from './json.js';
import { ApiError } from './status.js';
import { obj, type Doc } from './doc.js';

interface Rule { readonly rule: string; readonly message: string; readonly transition: boolean }
interface Node { readonly rules: readonly Rule[]; readonly properties: ReadonlyMap<string, Node> }
interface Kind { readonly group: string; readonly plural: string; readonly kind: string; readonly root: Node }

function nodeOf(schema: Doc): Node {
  const rules = (Array.isArray(schema['x-kubernetes-validations']) ? schema['x-kubernetes-validations'] : []).map((r) => {
    const o = obj(r);
    const rule = typeof o['rule'] === 'string' ? o['rule'] : 'false';
    return { rule, message: typeof o['message'] === 'string' ? o['message'] : `failed rule: ${rule}`, transition: /\boldSelf\b/.test(rule) };
  });
  const properties = new Map(Object.entries(obj(schema['properties'])).map(([k, v]) => [k, nodeOf(obj(v))]));
  return { rules, properties };
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export class CrdRules {
  readonly #env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  readonly #kinds = new Map<string, Kind>();

  /** Loads CustomResourceDefinition documents (the served version's openAPIV3Schema). */
  static fromCrds(docs: readonly unknown[]): CrdRules {
    const rules = new CrdRules();
    for (const raw of docs) {
      const doc = obj(raw);
      if (doc['kind'] !== 'CustomResourceDefinition') continue;
      const spec = obj(doc['spec']);
      const names = obj(spec['names']);
      const versions = Array.isArray(spec['versions']) ? spec['versions'].map(obj) : [];
      const served = versions.find((v) => v['storage'] === true) ?? versions[0];
      const schema = obj(obj(served?.['schema'])['openAPIV3Schema']);
      const group = String(spec['group']);
      const plural = String(names['plural']);
      rules.#kinds.set(`${group}/${plural}`, { group, plural, kind: String(names['kind']), root: nodeOf(schema) });
    }
    return rules;
  }

  /** Throws 422 Invalid when a rule of the object's CRD fails. */
  validate(group: string, plural: string, object: JsonObject, oldObject: JsonObject | null): void {
    const kind = this.#kinds.get(`${group}/${plural}`);
    if (kind === undefined) return;
    const failures: string[] = [];
    this.#walk(kind.root, object, oldObject ?? undefined, oldObject !== null, '', failures);
    if (failures.length === 0) return;
    const meta = obj(object['metadata']);
    const name = typeof meta['name'] === 'string' ? meta['name'] : '';
    throw new ApiError(422, 'Invalid', `${kind.kind}.${group} "${name}" is invalid: ${failures.join(', ')}`,
      { name, group, kind: kind.kind });
  }

  #walk(node: Node, self: unknown, oldSelf: unknown, isUpdate: boolean, path: string, failures: string[]): void {
    if (!present(self)) return;
    for (const r of node.rules) {
      if (r.transition && (!isUpdate || !present(oldSelf))) continue;
      let ok: unknown;
      try {
        ok = this.#env.evaluate(r.rule, r.transition ? { self, oldSelf } : { self });
      } catch (err) {
        ok = err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
      if (ok !== true) failures.push(`${path === '' ? '<root>' : path}: Invalid value: "${typeof self}": ${r.message}`);
    }
    for (const [key, child] of node.properties) {
      const childOld = present(oldSelf) ? obj(oldSelf)[key] : undefined;
      this.#walk(child, obj(self)[key], childOld, isUpdate, path === '' ? key : `${path}.${key}`, failures);
    }
  }
}

/**
 * Loads charts/zfs-csi for the chart tests: values, Chart.yaml, CRDs, and templates masked into YAML documents
 * (template.ts). Paths resolve from this file so the tests run from any working directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { maskTemplate, parseDefines } from './template.js';

export type Obj = Record<string, unknown>;

/** The repository root: dist/test/chart/ → ../../.. (compiled), test/chart/ → ../.. (source). */
export const REPO = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = resolve(here, '..', '..', '..');
  const source = resolve(here, '..', '..');
  return here.includes(`${join('dist', 'test')}`) ? compiled : source;
})();
export const CHART = join(REPO, 'charts', 'zfs-csi');

export const read = (...parts: string[]): string => readFileSync(join(...parts), 'utf8');

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asObj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not an object`);
  return v;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Parses every YAML document of a text strictly (duplicate keys and syntax errors throw). */
export function parseDocs(text: string, name: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  }).filter((d) => d !== null && d !== undefined);
}

export const chartYaml = (): Obj => asObj(parseYaml(read(CHART, 'Chart.yaml')), 'Chart.yaml');
export const defaultValues = (): Obj => asObj(parseYaml(read(CHART, 'values.yaml')), 'values.yaml');
export const valuesSchema = (): Obj => asObj(JSON.parse(read(CHART, 'values.schema.json')), 'values.schema.json');

export const templateNames = (): string[] => readdirSync(join(CHART, 'templates')).sort();
export const crdNames = (): string[] => readdirSync(join(CHART, 'crds')).filter((f) => f.endsWith('.yaml')).sort();

export function crd(file: string): Obj {
  const docs = parseDocs(read(CHART, 'crds', file), file);
  if (docs.length !== 1) throw new Error(`${file}: expected one document, got ${docs.length}`);
  return asObj(docs[0], file);
}

/** Deep merge for value overrides (objects merge, everything else replaces), as Helm merges -f files. */
export function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObj(b) && isObj(v) ? merge(b, v) : v;
  }
  return out;
}

/** A template masked into YAML documents, with the given value overrides. */
export function renderTemplate(name: string, overrides: Obj = {}): Obj[] {
  const defines = parseDefines(read(CHART, 'templates', '_helpers.tpl'));
  const text = maskTemplate(read(CHART, 'templates', name), {
    values: merge(defaultValues(), overrides),
    chart: chartYaml(),
    defines,
  });
  return parseDocs(text, name).map((d, i) => asObj(d, `${name} document ${i}`));
}

export function helperDefine(name: string): string {
  const body = parseDefines(read(CHART, 'templates', '_helpers.tpl')).get(name);
  if (body === undefined) throw new Error(`_helpers.tpl has no define ${name}`);
  return body.trim();
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly args: string[];
  readonly env: Obj[];
  readonly ports: Obj[];
  readonly volumeMounts: Obj[];
  readonly securityContext: Obj;
}

export function podSpec(workload: Obj): Obj {
  const spec = asObj(workload['spec'], 'spec');
  const template = asObj(spec['template'], 'spec.template');
  return asObj(template['spec'], 'spec.template.spec');
}

export function containers(workload: Obj): Container[] {
  return asArray(podSpec(workload)['containers']).map((c) => {
    const o = asObj(c, 'container');
    return {
      name: String(o['name']),
      image: String(o['image']),
      args: asArray(o['args']).map(String),
      env: asArray(o['env']).map((e) => asObj(e, 'env')),
      ports: asArray(o['ports']).map((p) => asObj(p, 'port')),
      volumeMounts: asArray(o['volumeMounts']).map((m) => asObj(m, 'volumeMount')),
      securityContext: isObj(o['securityContext']) ? o['securityContext'] : {},
    };
  });
}

export function container(workload: Obj, name: string): Container {
  const c = containers(workload).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

/** The value of `--name=value` in an argv, or undefined. */
export function flag(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

export function workload(template: string, kind: string, overrides: Obj = {}): Obj {
  const doc = renderTemplate(template, overrides).find((d) => d['kind'] === kind);
  if (!doc) throw new Error(`${template} renders no ${kind}`);
  return doc;
}

/**
 * Label and field selectors with the grammar of k8s.io/apimachinery's labels.Parse and
 * fields.ParseSelector. A parse error is a 400 BadRequest, as on a real server.
 */
import { getPath, isObject, type Json, type JsonObject } from './json.js';
import { badRequest } from './status.js';

export type LabelRequirement =
  | { readonly op: 'exists' | 'notexists'; readonly key: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'gt' | 'lt'; readonly key: string; readonly value: number };

export interface FieldRequirement {
  readonly path: string;
  readonly equal: boolean;
  readonly value: string;
}

const KEY = String.raw`[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const NOT_EXISTS = new RegExp(String.raw`^!\s*(${KEY})$`);
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);
const COMPARE = new RegExp(String.raw`^(${KEY})\s*(==|=|!=|>|<)\s*(${VALUE})$`);
const EXISTS = new RegExp(String.raw`^(${KEY})$`);
const SET_VALUE = new RegExp(String.raw`^${VALUE}$`);

/** Splits at commas outside parentheses (`a in (x,y),b` is two terms). */
function topLevelTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim());
}

function parseLabelTerm(term: string, whole: string): LabelRequirement {
  const notExists = NOT_EXISTS.exec(term);
  if (notExists?.[1] !== undefined) return { op: 'notexists', key: notExists[1] };
  const set = SET.exec(term);
  if (set?.[1] !== undefined && set[3] !== undefined) {
    const values = set[3].split(',').map((v) => v.trim());
    if (!values.every((v) => SET_VALUE.test(v))) throw badRequest(`unable to parse requirement: invalid label value in "${whole}"`);
    return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1], values };
  }
  const cmp = COMPARE.exec(term);
  if (cmp?.[1] !== undefined && cmp[3] !== undefined) {
    const [key, op, value] = [cmp[1], cmp[2], cmp[3]];
    if (op === '>' || op === '<') {
      const n = Number(value);
      if (value === '' || !Number.isInteger(n)) throw badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer: "${whole}"`);
      return { op: op === '>' ? 'gt' : 'lt', key, value: n };
    }
    return { op: op === '!=' ? 'notin' : 'in', key, values: [value] };
  }
  const exists = EXISTS.exec(term);
  if (exists?.[1] !== undefined) return { op: 'exists', key: exists[1] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: label selector term in "${whole}"`);
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return topLevelTerms(selector).map((term) => parseLabelTerm(term, selector));
}

function labelsOf(obj: JsonObject): Record<string, string> {
  const labels = getPath(obj, 'metadata.labels');
  const out: Record<string, string> = {};
  if (!isObject(labels)) return out;
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function matchesRequirement(labels: Record<string, string>, r: LabelRequirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case 'exists': return has;
    case 'notexists': return !has;
    case 'in': return value !== undefined && r.values.includes(value);
    case 'notin': return value === undefined || !r.values.includes(value);
    case 'gt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) > r.value;
    case 'lt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) < r.value;
  }
}

export function matchesLabels(obj: JsonObject, requirements: readonly LabelRequirement[]): boolean {
  const labels = labelsOf(obj);
  return requirements.every((r) => matchesRequirement(labels, r));
}

/** Splits a field selector at unescaped commas and unescapes `\,` `\=` `\\` in values. */
function fieldTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) {
      current += c + selector[++i];
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  return terms;
}

function unescapeValue(raw: string, whole: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      if (c === '=' || c === ',') throw badRequest(`invalid field selector: unescaped "${c}" in "${whole}"`);
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next !== '\\' && next !== ',' && next !== '=') throw badRequest(`invalid field selector: bad escape in "${whole}"`);
    out += next;
  }
  return out;
}

function parseFieldTerm(term: string, whole: string): FieldRequirement {
  const m = /^([^=!]+?)\s*(!=|==|=)(.*)$/s.exec(term.trim());
  if (m?.[1] === undefined || m[3] === undefined) throw badRequest(`invalid selector: '${whole}'; can't understand '${term}'`);
  return { path: m[1].trim(), equal: m[2] !== '!=', value: unescapeValue(m[3], whole) };
}

export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return fieldTerms(selector).map((term) => parseFieldTerm(term, selector));
}

/** How a field value compares to a selector value: scalars as their text, absent as ''. */
function fieldText(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function matchesFields(obj: JsonObject, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldText(getPath(obj, r.path)) === r.value) === r.equal);
}

export interface Selector {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

export const EVERYTHING: Selector = { labels: [], fields: [] };

export function matches(obj: JsonObject, selector: Selector): boolean {
  return matchesLabels(obj, selector.labels) && matchesFields(obj, selector.fields);
}

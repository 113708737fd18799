/**
 * The two patch formats the API server accepts for custom resources: JSON merge patch (RFC 7386) and JSON
 * patch (RFC 6902). A malformed patch document is 400; an operation that cannot apply (failed `test`,
 * missing path) is 422, as the real server answers.
 */
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.js';
import { ApiError, badRequest } from './status.js';

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonObject | Json[];

/** The parent container of the pointer's last step, and that step. */
function parentOf(doc: Json, steps: readonly string[], path: string): { parent: Container; last: string } {
  let current: Json | undefined = doc;
  for (const step of steps.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(step)] : isObject(current) ? current[step] : undefined;
  }
  const last = steps[steps.length - 1];
  if (last === undefined || !(Array.isArray(current) || isObject(current))) {
    throw unprocessable(`jsonpatch: path "${path}" does not exist`);
  }
  return { parent: current, last };
}

function arrayIndex(arr: Json[], step: string, path: string, forInsert: boolean): number {
  if (forInsert && step === '-') return arr.length;
  const max = forInsert ? arr.length : arr.length - 1;
  if (!/^(0|[1-9][0-9]*)$/.test(step) || Number(step) > max) throw unprocessable(`jsonpatch: index out of range in "${path}"`);
  return Number(step);
}

function read(doc: Json, path: string): Json {
  const steps = pointer(path);
  if (steps.length === 0) return doc;
  const { parent, last } = parentOf(doc, steps, path);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, last, path, false)] : parent[last];
  if (value === undefined) throw unprocessable(`jsonpatch: path "${path}" does not exist`);
  return value;
}

function remove(doc: Json, path: string): Json {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, last, path, false), 1);
    return removed ?? null;
  }
  const value = parent[last];
  if (value === undefined) throw unprocessable(`jsonpatch: cannot remove missing path "${path}"`);
  delete parent[last];
  return value;
}

function add(doc: Json, path: string, value: Json, replace: boolean): Json {
  const steps = pointer(path);
  if (steps.length === 0) return value;
  const { parent, last } = parentOf(doc, steps, path);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, path, !replace);
    parent.splice(index, replace ? 1 : 0, value);
  } else {
    if (replace && parent[last] === undefined) throw unprocessable(`jsonpatch: cannot replace missing path "${path}"`);
    parent[last] = value;
  }
  return doc;
}

function stringField(op: JsonObject, key: string): string {
  const value = op[key];
  if (typeof value !== 'string') throw badRequest(`jsonpatch: operation is missing "${key}"`);
  return value;
}

function valueField(op: JsonObject): Json {
  const value = op['value'];
  if (value === undefined) throw badRequest('jsonpatch: operation is missing "value"');
  return clone(value);
}

function applyOne(doc: Json, op: JsonObject): Json {
  const path = stringField(op, 'path');
  switch (op['op']) {
    case 'add': return add(doc, path, valueField(op), false);
    case 'replace': return add(doc, path, valueField(op), true);
    case 'remove': remove(doc, path); return doc;
    case 'test':
      if (!deepEqual(read(doc, path), valueField(op))) throw unprocessable(`jsonpatch: test failed at "${path}"`);
      return doc;
    case 'copy': return add(doc, path, clone(read(doc, stringField(op, 'from'))), false);
    case 'move': {
      const value = remove(doc, stringField(op, 'from'));
      return add(doc, path, value, false);
    }
    default: throw badRequest(`jsonpatch: unknown operation ${JSON.stringify(op['op'] ?? null)}`);
  }
}

export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const op of patch) {
    if (!isObject(op)) throw badRequest('json patch operation must be an object');
    doc = applyOne(doc, op);
  }
  return doc;
}

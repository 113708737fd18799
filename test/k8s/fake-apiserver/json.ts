/**
 * JSON values as the fake API server stores them. Everything that arrives over HTTP is parsed into these
 * types; objects are deep-copied on the way in and out so no caller can mutate stored state.
 */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** JSON.parse only ever yields JSON values, so the cast from its `any` result is sound. */
export function parseJson(text: string): Json {
  const value: unknown = JSON.parse(text);
  return value as Json;
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** The value at a dotted path (`spec.nodeName`), or undefined when any step is missing. */
export function getPath(obj: JsonObject, dotted: string): Json | undefined {
  let current: Json | undefined = obj;
  for (const step of dotted.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** `obj[key]` when it is an object, else a fresh object stored there (for writing nested fields). */
export function objectAt(obj: JsonObject, key: string): JsonObject {
  const existing = obj[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  obj[key] = created;
  return created;
}

export function stringAt(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Field readers shared by the resource decoders: each returns the typed value or `undefined`. */
import { isErrorCode, type ErrorCode } from '../../domain/errors.js';
import type { Condition, ObjectMeta } from './resources.js';

export type Obj = Readonly<Record<string, unknown>>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
export const bool = (o: Obj, k: string): boolean | undefined => (typeof o[k] === 'boolean' ? (o[k] as boolean) : undefined);
export const num = (o: Obj, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
export const sub = (o: Obj, k: string): Obj | undefined => (isObj(o[k]) ? (o[k] as Obj) : undefined);

/** Copies the keys whose value is defined (exactOptionalPropertyTypes forbids explicit undefined). */
export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const bytes = (o: Obj, k: string): string | undefined => {
  const v = str(o, k);
  return v !== undefined && /^[0-9]+$/.test(v) ? v : undefined;
};

export function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') return undefined;
    out[k] = x;
  }
  return out;
}

export function decodeMeta(v: unknown): ObjectMeta | undefined {
  if (!isObj(v)) return undefined;
  const name = str(v, 'name');
  if (!name) return undefined;
  const finalizers = Array.isArray(v['finalizers']) ? v['finalizers'].filter((f): f is string => typeof f === 'string') : undefined;
  return defined({
    name,
    uid: str(v, 'uid'),
    resourceVersion: str(v, 'resourceVersion'),
    generation: num(v, 'generation'),
    labels: stringMap(v['labels']),
    finalizers,
    deletionTimestamp: str(v, 'deletionTimestamp'),
    creationTimestamp: str(v, 'creationTimestamp'),
  });
}

export function decodeConditions(v: unknown): Condition[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObj).flatMap((c) => {
    const type = str(c, 'type');
    const status = str(c, 'status');
    if (!type || (status !== 'True' && status !== 'False' && status !== 'Unknown')) return [];
    return [{ type, status, reason: str(c, 'reason') ?? '', message: str(c, 'message') ?? '', lastTransitionTime: str(c, 'lastTransitionTime') ?? '' }];
  });
}

export function decodeCode(o: Obj): { code?: ErrorCode } {
  const code = o['code'];
  return isErrorCode(code) ? { code } : {};
}

export function oneOf<T extends string>(v: string | undefined, options: readonly T[]): T | undefined {
  return (options as readonly (string | undefined)[]).includes(v) ? (v as T) : undefined;
}


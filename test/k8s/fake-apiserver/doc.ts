/**
 * Lenient readers for the chart's rendered documents (RBAC, admission policies, CRDs): a missing or
 * mistyped field reads as empty, so a malformed document enforces nothing extra rather than crashing.
 */
export type Doc = Record<string, unknown>;

export const obj = (v: unknown): Doc => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Doc) : {});
export const list = (v: unknown): Doc[] => (Array.isArray(v) ? v.map(obj) : []);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

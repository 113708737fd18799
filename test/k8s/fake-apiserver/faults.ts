/**
 * Test controls: failures injected into the next matching requests (to drive a client's retry paths) and a
 * log of every request the server answered.
 */
import { ApiError, reasonForCode } from './status.js';

export interface FaultSpec {
  /** HTTP method to match (any when unset). */
  readonly method?: string;
  /** Exact pathname, or a RegExp tested against the pathname (any when unset). */
  readonly path?: string | RegExp;
  /** Match only watch requests (true) or only non-watch requests (false); any when unset. */
  readonly watch?: boolean;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  /** HTTP status of the injected Status failure; default 500. Ignored when `reset` is set. */
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
  /** Wait this long before answering (with the failure, or normally when `passThrough`). */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (a network error on the client). */
  readonly reset?: boolean;
  /** Only delay, then serve the request normally. */
  readonly passThrough?: boolean;
}

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly watch: boolean;
}

export interface Fault {
  readonly spec: FaultSpec;
  /** How many more requests this fault will hit. */
  readonly remaining: number;
}

class ActiveFault implements Fault {
  remaining: number;
  constructor(readonly spec: FaultSpec) {
    this.remaining = spec.times ?? 1;
  }

  matches(req: RequestInfo): boolean {
    const { method, path, watch } = this.spec;
    if (method !== undefined && method.toUpperCase() !== req.method) return false;
    if (watch !== undefined && watch !== req.watch) return false;
    if (typeof path === 'string') return path === req.path;
    return path === undefined || path.test(req.path);
  }

  error(): ApiError {
    const code = this.spec.code ?? 500;
    return new ApiError(code, this.spec.reason ?? reasonForCode(code), this.spec.message ?? `injected failure (${code})`);
  }
}

export class FaultInjector {
  #faults: ActiveFault[] = [];

  /** Adds a fault; faults are tried in the order they were added. */
  inject(spec: FaultSpec): Fault {
    const fault = new ActiveFault(spec);
    this.#faults.push(fault);
    return fault;
  }

  /** The fault for this request, consuming one of its hits. */
  take(req: RequestInfo): { spec: FaultSpec; error: ApiError } | undefined {
    const fault = this.#faults.find((f) => f.remaining > 0 && f.matches(req));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    this.#faults = this.#faults.filter((f) => f.remaining > 0);
    return { spec: fault.spec, error: fault.error() };
  }

  clear(): void {
    this.#faults = [];
  }

  get pending(): number {
    return this.#faults.reduce((n, f) => n + f.remaining, 0);
  }
}

export interface RequestRecord extends RequestInfo {
  readonly query: string;
  /** HTTP status answered (200 for a watch, whose events follow); 0 for a reset connection. */
  readonly status: number;
  readonly injected: boolean;
  /** performance.now() when the request arrived (before its body was read): a benchmark's timeline. */
  readonly arrivedMs: number;
}

export type RequestFilter = Partial<Pick<RequestRecord, 'method' | 'watch' | 'status'>> & { readonly path?: string | RegExp };

export class RequestLog {
  readonly #records: RequestRecord[] = [];

  record(entry: RequestRecord): void {
    this.#records.push(entry);
  }

  get all(): readonly RequestRecord[] {
    return [...this.#records];
  }

  filter(f: RequestFilter = {}): RequestRecord[] {
    return this.#records.filter((r) =>
      (f.method === undefined || f.method.toUpperCase() === r.method) &&
      (f.watch === undefined || f.watch === r.watch) &&
      (f.status === undefined || f.status === r.status) &&
      (f.path === undefined || (typeof f.path === 'string' ? f.path === r.path : f.path.test(r.path))));
  }

  count(f: RequestFilter = {}): number {
    return this.filter(f).length;
  }

  clear(): void {
    this.#records.length = 0;
  }
}

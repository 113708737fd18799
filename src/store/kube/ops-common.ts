/**
 * What the controller's volume and snapshot operations share: the caches and API they work on, waits that
 * end with the CSI call (DESIGN.md §2: never INTERNAL for a wait that outlives the call), and the
 * "record intent, then delete" step (§4 rule 7).
 */
import type { Logger } from 'winston';
import { DriverError, type ErrorCode } from '../../domain/errors.js';
import type { KubeApi, Plural } from './api.js';
import type { ResourceCache } from './cache.js';
import type { ControllerVolume } from './records.js';
import type { ZfsSnapshot } from './resources.js';

/** Failures the controller itself decides on, or relays from the agent's status.code. */
export class KubeBackendError extends DriverError {}

export interface KubeOpsContext {
  readonly api: KubeApi;
  readonly volumes: ResourceCache<ControllerVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly log: Logger;
  /** True when the node's Kubernetes Node object is known to be gone (node-loss check). */
  readonly nodeGone: (node: string) => boolean;
}

/** The agent's terminal codes (docs/kubernetes-mode.md, "Agent creates"): a failure it will not retry. */
export const TERMINAL_CODES: readonly ErrorCode[] = [
  'INVALID_ARGUMENT', 'ALREADY_EXISTS', 'RESOURCE_EXHAUSTED', 'OUT_OF_RANGE', 'NOT_FOUND', 'FAILED_PRECONDITION',
];

export function signalError(signal: AbortSignal, what: string): DriverError {
  const reason: unknown = signal.reason;
  if (reason instanceof DriverError) return reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new KubeBackendError(timedOut ? 'DEADLINE_EXCEEDED' : 'ABORTED', `call ended while ${what}; retry`);
}

/** Stops waiting for p when the call ends (the HTTP request itself carries on: KubeApi takes no signal). */
export function bounded<T>(p: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(signalError(signal, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signalError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Waits until `done(obj)` holds for the cached object, or until it is gone after having been seen (an
 * object the watch has not delivered yet is not "gone"). Resolves undefined when it went away.
 */
export function waitSeen<T extends { metadata: { name: string } }>(
  cache: ResourceCache<T>, name: string, done: (obj: T) => boolean, signal: AbortSignal,
): Promise<T | undefined> {
  let seen = false;
  return cache.waitFor(name, (obj) => {
    if (obj === undefined) return seen;
    seen = true;
    return done(obj);
  }, signal);
}

/** The cached object, else a direct read (the watch may lag a write made a moment ago). */
export async function current<T extends { metadata: { name: string } }>(
  cache: ResourceCache<T>, api: KubeApi, plural: Plural, name: string,
  decode: (raw: unknown) => T | undefined, signal: AbortSignal,
): Promise<T | undefined> {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const raw = await bounded(api.get(plural, name), signal, `reading ${plural}/${name}`);
  return raw === undefined ? undefined : decode(raw);
}

/** Sets spec.deletionRequested; returns the generation the agent's verdict must have observed. */
export async function setDeletionRequested(
  ctx: KubeOpsContext, plural: Plural, name: string, value: boolean, signal: AbortSignal,
): Promise<number> {
  const raw = await bounded(
    ctx.api.patch(plural, name, { spec: { deletionRequested: value } }), signal, `patching ${plural}/${name}`,
  );
  return generationOf(raw);
}

export function generationOf(raw: unknown): number {
  const meta = (raw as { metadata?: { generation?: unknown } } | undefined)?.metadata;
  return typeof meta?.generation === 'number' ? meta.generation : 0;
}

/**
 * Records the deletion intent and deletes the resource without waiting for a verdict: the agent destroys
 * whatever it made and then drops its finalizer. Used for failed creations (so a CO retry starts clean) and
 * for resources of a node that is gone. NOT_FOUND is success.
 */
export async function discard(ctx: KubeOpsContext, plural: Plural, name: string): Promise<void> {
  try {
    await ctx.api.patch(plural, name, { spec: { deletionRequested: true } });
    await ctx.api.delete(plural, name);
  } catch (err) {
    if (err instanceof DriverError && err.code === 'NOT_FOUND') return;
    throw err;
  }
}

/** True when err says the object is gone (callers that delete treat that as done). */
export const isNotFound = (err: unknown): boolean => err instanceof DriverError && err.code === 'NOT_FOUND';

/** discard() for a failure path: its own errors are logged, the caller's error is what the CO sees. */
export async function discardQuietly(ctx: KubeOpsContext, plural: Plural, name: string): Promise<void> {
  try {
    await discard(ctx, plural, name);
  } catch (err) {
    ctx.log.warn('could not remove a failed resource; it stays hidden and can be deleted by hand', {
      resource: `${plural}/${name}`, error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** The error an agent's failure status stands for (status.code travels to the CO, DESIGN.md §2). */
export function agentFailure(
  status: { readonly code?: ErrorCode; readonly message?: string } | undefined, what: string, node: string,
): KubeBackendError {
  const message = status?.message ?? 'no message';
  return new KubeBackendError(status?.code ?? 'INTERNAL', `${what} failed on node ${node}: ${message}`);
}

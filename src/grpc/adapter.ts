/**
 * Turns a ServiceImpl (src/grpc/handler.ts) into grpc-js handlers. This is the one adapter every call goes
 * through (DESIGN.md §2 "grpc/"): request id, child logger, redacted request log, keyed locks taken before
 * any await, an AbortSignal for cancel / deadline / drain, and every outcome mapped by status.ts.
 */
import { randomUUID } from 'node:crypto';
import type { sendUnaryData, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { DriverError } from '../domain/errors.js';
import { sharedAbortController } from '../domain/shared-abort.js';
import type { CallContext, MethodSpec, ServiceImpl } from './handler.js';
import type { KeyedLocks } from './locks.js';
import { requestRedactor, type Redactor } from './redact.js';
import { toGrpcError } from './status.js';
import { CallTrace, span, spanSync, TRACING, withTrace } from '../trace/trace.js';

export interface AdapterOptions {
  /** Service name in csi.proto (e.g. "Controller"), for logs and for finding the request types. */
  readonly serviceName: string;
  readonly log: Logger;
  readonly locks: KeyedLocks;
  /** Aborted when the server gives up waiting for in-flight calls (server.ts drain). */
  readonly shutdown: AbortSignal;
  /** Told about every finished call (metrics); it must not throw, and if it does the call is unaffected. */
  readonly onCall?: CallObserver;
}

/** One finished call, as the adapter saw it: `code` is the gRPC status name ("OK", "ABORTED", …). */
export interface CallEvent {
  readonly service: string;
  readonly method: string;
  readonly code: string;
  readonly durationMs: number;
}

export type CallObserver = (event: CallEvent) => void;

function notify(options: AdapterOptions, method: string, code: string, durationMs: number): void {
  try {
    options.onCall?.({ service: options.serviceName, method, code, durationMs });
  } catch {
    // An observer (metrics) must never change the outcome of a call.
  }
}

type UnaryCall = ServerUnaryCall<unknown, unknown>;
type UnaryCallback = sendUnaryData<unknown>;

/** Timers of client and server fire a few ms apart; a cancel this close to the deadline is the deadline. */
const DEADLINE_SLACK_MS = 50;

const ID_FIELDS = ['volume_id', 'snapshot_id', 'source_volume_id'] as const;

function idsOf(request: unknown): Record<string, string> {
  const ids: Record<string, string> = {};
  if (typeof request !== 'object' || request === null) return ids;
  for (const name of ID_FIELDS) {
    const value: unknown = (request as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') ids[name] = value;
  }
  return ids;
}

function deadlineOf(call: UnaryCall): Date | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Aborts on client cancel, deadline and shutdown; `dispose` removes the listeners and the timer. */
function callSignal(call: UnaryCall, deadline: Date | undefined, shutdown: AbortSignal) {
  const controller = sharedAbortController();
  const abort = (reason: DriverError) => controller.abort(reason);
  // grpc-js also reports a passed deadline as 'cancelled'; name it for what it is.
  const onCancel = () =>
    abort(
      deadline && Date.now() >= deadline.getTime() - DEADLINE_SLACK_MS
        ? new DriverError('DEADLINE_EXCEEDED', 'the call deadline passed')
        : new DriverError('ABORTED', 'the call was cancelled by the client'),
    );
  const onShutdown = () => abort(new DriverError('UNAVAILABLE', 'the server is shutting down'));
  call.on('cancelled', onCancel);
  shutdown.addEventListener('abort', onShutdown);
  if (shutdown.aborted) onShutdown();
  let timer: NodeJS.Timeout | undefined;
  if (deadline) {
    const delay = Math.min(Math.max(deadline.getTime() - Date.now(), 0), 2 ** 31 - 1);
    timer = setTimeout(() => abort(new DriverError('DEADLINE_EXCEEDED', 'the call deadline passed')), delay);
    timer.unref();
  }
  const dispose = () => {
    call.removeListener('cancelled', onCancel);
    shutdown.removeEventListener('abort', onShutdown);
    if (timer) clearTimeout(timer);
  };
  return { signal: controller.signal, dispose };
}

function unimplemented(method: string, options: AdapterOptions) {
  const status = toGrpcError(new DriverError('UNIMPLEMENTED', `${options.serviceName}.${method} is not implemented`));
  return (_call: UnaryCall, callback: UnaryCallback): void => {
    options.log.debug('call to an unimplemented method', { method });
    notify(options, method, status.codeName, 0);
    callback({ code: status.code, details: status.details });
  };
}

type LockOutcome = { readonly release: () => void } | { readonly error: unknown };

/** Takes the call's keys synchronously, before any await (CSI "Concurrency"); a held key is ABORTED. */
function takeLocks(spec: MethodSpec<never, unknown>, request: unknown, locks: KeyedLocks): LockOutcome {
  try {
    const keys = spec.lockKeys?.(request as never) ?? [];
    const release = locks.tryAcquire(keys);
    if (release) return { release };
    const key = locks.firstHeld(keys) ?? keys.join(', ');
    return { error: new DriverError('ABORTED', `an operation for ${key} is already in progress`) };
  } catch (err) {
    return { error: err };
  }
}

/** Start and finish log lines of one call; failures that are our fault (INTERNAL) log as errors. */
function callLog(log: Logger, level: 'debug' | 'info', observe: (code: string, durationMs: number) => void) {
  const started = process.hrtime.bigint();
  return (code: string, error?: string) => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const at = code === 'INTERNAL' ? 'error' : level;
    if (log.isLevelEnabled(at)) log.log(at, 'call finished', { code, durationMs, ...(error ? { error } : {}) });
    observe(code, durationMs);
  };
}

async function run(spec: MethodSpec<never, unknown>, request: unknown, ctx: CallContext, method: string) {
  const response = await spec.handle(request as never, ctx);
  if (typeof response !== 'object' || response === null) {
    throw new DriverError('INTERNAL', `${method} produced no response message`);
  }
  return response;
}

function handler(method: string, spec: MethodSpec<never, unknown>, redact: Redactor, options: AdapterOptions) {
  const level = spec.logLevel ?? 'info';
  return (call: UnaryCall, callback: UnaryCallback): void => {
    const trace = TRACING ? new CallTrace(`${options.serviceName}.${method}`) : undefined;
    withTrace(trace, () => serveCall(call, callback, { method, spec, redact, options, level, trace }));
  };
}

interface CallSetup {
  readonly method: string;
  readonly spec: MethodSpec<never, unknown>;
  readonly redact: Redactor;
  readonly options: AdapterOptions;
  readonly level: 'debug' | 'info';
  readonly trace: CallTrace | undefined;
}

function serveCall(call: UnaryCall, callback: UnaryCallback, c: CallSetup): void {
  const { method, spec, redact, options, level, trace } = c;
  const request = call.request;
  const requestId = randomUUID();
  const log = options.log.child({ method, requestId, ...idsOf(request) });
  // Below the log level winston would still build, redact and format the line (the bench runs at warn).
  if (log.isLevelEnabled(level)) spanSync('log (call started)', () => log.log(level, 'call started', { request: redact(request) }));
  const logFinished = callLog(log, level, (code, durationMs) => notify(options, method, code, durationMs));
  const finished = (code: string, error?: string): void => {
    spanSync('log (call finished)', () => logFinished(code, error));
    trace?.finish(code);
  };
  const fail = (err: unknown) => {
    const status = toGrpcError(err);
    finished(status.codeName, status.details);
    callback({ code: status.code, details: status.details });
  };

  const locks = takeLocks(spec, request, options.locks);
  if ('error' in locks) return fail(locks.error);
  const deadline = deadlineOf(call);
  const { signal, dispose } = callSignal(call, deadline, options.shutdown);
  span('handler', () => run(spec, request, { signal, log, requestId, deadline }, method))
    .then((response) => {
      finished('OK');
      callback(null, response);
    }, fail)
    .finally(() => {
      dispose();
      locks.release();
    })
    // Only reached if grpc-js itself throws from the callback; never let that become an unhandled rejection.
    .catch((err: unknown) => log.error('failed to answer the call', { error: String(err) }));
}

/** grpc-js handlers for every method of `definition`; methods without a MethodSpec answer UNIMPLEMENTED. */
export function adaptService(
  definition: ServiceDefinition,
  impl: ServiceImpl,
  options: AdapterOptions,
): UntypedServiceImplementation {
  const unknown = Object.keys(impl).filter((name) => !Object.hasOwn(definition, name));
  if (unknown.length > 0) {
    // A misspelt method would otherwise be silently UNIMPLEMENTED.
    throw new DriverError('INTERNAL', `${options.serviceName} has no method(s) ${unknown.join(', ')} in csi.proto`);
  }
  const handlers: UntypedServiceImplementation = {};
  for (const method of Object.keys(definition)) {
    const spec = Object.hasOwn(impl, method) ? impl[method] : undefined;
    handlers[method] = spec
      ? handler(method, spec, requestRedactor(options.serviceName, method), options)
      : unimplemented(method, options);
  }
  return handlers;
}

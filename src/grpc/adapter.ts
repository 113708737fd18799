/**
 * Turns a ServiceImpl (src/grpc/handler.ts) into grpc-js handlers. This is the one adapter every call goes
 * through (DESIGN.md §2 "grpc/"): request id, child logger, redacted request log, keyed locks taken before
 * any await, an AbortSignal for cancel / deadline / drain, and every outcome mapped by status.ts.
 */
import { randomUUID } from 'node:crypto';
import type { sendUnaryData, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { DriverError } from '../domain/errors.js';
import type { CallContext, MethodSpec, ServiceImpl } from './handler.js';
import type { KeyedLocks } from './locks.js';
import { requestRedactor, type Redactor } from './redact.js';
import { toGrpcError } from './status.js';

export interface AdapterOptions {
  /** Service name in csi.proto (e.g. "Controller"), for logs and for finding the request types. */
  readonly serviceName: string;
  readonly log: Logger;
  readonly locks: KeyedLocks;
  /** Aborted when the server gives up waiting for in-flight calls (server.ts drain). */
  readonly shutdown: AbortSignal;
}

type UnaryCall = ServerUnaryCall<unknown, unknown>;
type UnaryCallback = sendUnaryData<unknown>;

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
  const controller = new AbortController();
  const abort = (reason: DriverError) => controller.abort(reason);
  const onCancel = () => abort(new DriverError('ABORTED', 'the call was cancelled by the client'));
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

function unimplemented(serviceName: string, method: string, log: Logger) {
  const status = toGrpcError(new DriverError('UNIMPLEMENTED', `${serviceName}.${method} is not implemented`));
  return (_call: UnaryCall, callback: UnaryCallback): void => {
    log.debug('call to an unimplemented method', { method });
    callback({ code: status.code, details: status.details });
  };
}

function handler(method: string, spec: MethodSpec<never, unknown>, redact: Redactor, options: AdapterOptions) {
  const level = spec.logLevel ?? 'info';
  return (call: UnaryCall, callback: UnaryCallback): void => {
    const started = process.hrtime.bigint();
    const request = call.request;
    const requestId = randomUUID();
    const log = options.log.child({ method, requestId, ...idsOf(request) });
    log.log(level, 'call started', { request: redact(request) });
    const finish = (outcome: { code: string; error?: string }) => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { code: outcome.code, durationMs, ...(outcome.error ? { error: outcome.error } : {}) };
      log.log(outcome.code === 'OK' ? level : 'warn', 'call finished', line);
    };
    const fail = (err: unknown) => {
      const status = toGrpcError(err);
      finish({ code: status.codeName, error: status.details });
      callback({ code: status.code, details: status.details });
    };

    // Locks first, synchronously: a concurrent call for the same key must see them held (CSI "Concurrency").
    let release: (() => void) | undefined;
    try {
      const keys = spec.lockKeys?.(request as never) ?? [];
      release = options.locks.tryAcquire(keys);
      if (!release) {
        const key = options.locks.firstHeld(keys) ?? keys.join(', ');
        fail(new DriverError('ABORTED', `an operation for ${key} is already in progress`));
        return;
      }
    } catch (err) {
      fail(err);
      return;
    }

    const deadline = deadlineOf(call);
    const { signal, dispose } = callSignal(call, deadline, options.shutdown);
    const ctx: CallContext = { signal, log, requestId, deadline };
    const held = release;
    void (async () => {
      try {
        const response = await spec.handle(request as never, ctx);
        if (typeof response !== 'object' || response === null) {
          throw new DriverError('INTERNAL', `${method} produced no response message`);
        }
        finish({ code: 'OK' });
        callback(null, response);
      } catch (err) {
        fail(err);
      } finally {
        dispose();
        held();
      }
    })();
  };
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
      : unimplemented(options.serviceName, method, options.log);
  }
  return handlers;
}

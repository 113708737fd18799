/**
 * The CSI gRPC server on a unix socket (CSI spec "Connectivity": CSI_ENDPOINT=unix:///path.sock). Owns the
 * socket file: creates its directory, replaces a stale socket but nothing else, restricts it to 0600.
 */
import { chmod } from 'node:fs/promises';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { DriverError } from '../domain/errors.js';
import { sharedAbortController } from '../domain/shared-abort.js';
import { adaptService, type CallObserver } from './adapter.js';
import { addressOf, socketPathOf } from './endpoint.js';
import type { ServiceImpl } from './handler.js';
import { loadCsiServices } from './load.js';
import { KeyedLocks } from './locks.js';
import { prepareSocketPath, removeOwnSocket } from './socket-file.js';

export interface ServerServices {
  readonly Identity?: ServiceImpl;
  readonly Controller?: ServiceImpl;
  readonly Node?: ServiceImpl;
}

export interface StartServerOptions {
  /** `unix:///abs/path.sock` or a bare absolute path. */
  readonly endpoint: string;
  readonly services: ServerServices;
  readonly log: Logger;
  /** Told about every finished call (metrics); default none. */
  readonly onCall?: CallObserver;
  /** The keyed locks, when work outside CSI must exclude the same calls (standalone `ctl import`). */
  readonly locks?: KeyedLocks;
}

export interface RunningServer {
  /** `unix:///abs/path.sock`: what a client dials. */
  readonly address: string;
  readonly socketPath: string;
  /**
   * Stops taking calls and lets in-flight ones finish for up to `timeoutMs`; then aborts their signals
   * (UNAVAILABLE) and forces the shutdown. Idempotent: later calls return the same promise.
   */
  drain(timeoutMs: number): Promise<void>;
}

function bind(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err) => {
      if (err) reject(new DriverError('UNAVAILABLE', `cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const socketPath = socketPathOf(options.endpoint);
  const address = addressOf(socketPath);
  await prepareSocketPath(socketPath);

  const definitions = loadCsiServices();
  const shutdown = sharedAbortController();
  const locks = options.locks ?? new KeyedLocks();
  // channelz keeps per-call counters and traces for a debug service this driver does not serve.
  const server = new Server({ 'grpc.enable_channelz': 0 });
  for (const name of ['Identity', 'Controller', 'Node'] as const) {
    const impl = options.services[name];
    if (!impl) continue; // grpc-js answers UNIMPLEMENTED for services that are not added
    const adapterOptions = {
      serviceName: name, log: options.log, locks, shutdown: shutdown.signal,
      ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    };
    server.addService(definitions[name], adaptService(definitions[name], impl, adapterOptions));
  }
  await bind(server, address);
  // The socket is created with the umask's mode; only the CO (same user, root) may talk to the driver.
  await chmod(socketPath, 0o600);
  options.log.info('CSI server listening', { address, services: Object.keys(options.services) });

  let drained: Promise<void> | undefined;
  const drain = (timeoutMs: number): Promise<void> => {
    drained ??= new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        removeOwnSocket(socketPath).finally(resolve);
      };
      const timer = setTimeout(() => {
        options.log.warn('drain timed out; aborting in-flight calls', { timeoutMs });
        shutdown.abort(new DriverError('UNAVAILABLE', 'the server is shutting down'));
        server.forceShutdown();
        finish();
      }, timeoutMs);
      server.tryShutdown(finish);
    });
    return drained;
  };
  return { address, socketPath, drain };
}

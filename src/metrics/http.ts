import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'winston';
import { DriverError } from '../domain/errors.js';
import { parseListenAddress } from './address.js';
import type { Metrics } from './registry.js';

export interface MetricsServerOptions {
  /** `host:port` (see address.ts). */
  readonly address: string;
  readonly metrics: Metrics;
  /** /readyz answers 200 when this resolves true; false, a rejection or a hang past readyTimeoutMs is 503. */
  readonly ready: () => Promise<boolean>;
  readonly log: Logger;
  readonly readyTimeoutMs?: number;
}

export interface MetricsServer {
  /** Where it listens (the real port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` for clients. */
  readonly url: string;
  /** Stops listening and drops idle keep-alive connections (a scraper's); idempotent. */
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const CLOSE_GRACE_MS = 2000;

function send(res: ServerResponse, status: number, body: string, contentType = TEXT): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** The readiness answer, bounded: a probe that waits on a stuck pool must still get an answer in time. */
async function isReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ready().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function route(options: MetricsServerOptions) {
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known) return send(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'method not allowed\n');
    }
    // Liveness is "the event loop answers": a pool problem must not get the process restarted.
    if (path === '/healthz') return send(res, 200, 'ok\n');
    if (path === '/readyz') {
      const ok = await isReady(options.ready, readyTimeoutMs);
      return send(res, ok ? 200 : 503, ok ? 'ready\n' : 'not ready\n');
    }
    send(res, 200, await options.metrics.text(), options.metrics.contentType);
  };
}

/** Serves /metrics (Prometheus text), /healthz and /readyz on one port (issue 4 §3); anything else is 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(options.address);
  const handle = route(options);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.warn('metrics request failed', { path: req.url, error: String(err) });
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new DriverError('UNAVAILABLE', `cannot listen on ${options.address} for metrics: ${err.message}`, { cause: err })));
    server.listen(port, host === '' ? undefined : host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  options.log.info('serving metrics', { address: `${shown}:${bound.port}`, paths: ['/metrics', '/healthz', '/readyz'] });
  let closed: Promise<void> | undefined;
  return {
    host: bound.address,
    port: bound.port,
    url: `http://${shown}:${bound.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        // A scrape in progress may finish; a connection still open after the grace is dropped.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

import { chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { describeError, DriverError, type ErrorCode } from '../domain/errors.js';
import { prepareSocketPath, removeOwnSocket } from '../grpc/socket-file.js';
import type { ForeignHold } from '../provision/foreign.js';
import type { TransferManager } from '../transfer/manager.js';
import type { ImportHandler } from './admin-imports.js';

/**
 * The admin API of a standalone driver (issue #8 part 4, issue #10), HTTP/JSON on a 0600 unix socket: only
 * root on this host may import datasets or start and cancel transfers, and no network port is opened for it.
 *
 *   POST /v1/imports                 {"dataset": "...", "name"?: "...", "sizeBytes"?: "..."} (admin-imports.ts)
 *   GET  /v1/held                    deleted volumes that only foreign snapshots keep (docs/snapshots.md)
 *   GET  /v1/transfers               every transfer this process knows (when transfers are configured)
 *   GET  /v1/transfers/ID            one
 *   POST /v1/transfers               {"snapshotId": "...", "peer": "NODE", "parent"?: "..."}
 *   POST /v1/transfers/ID/cancel
 *
 * Errors are {"code", "message"} with the driver's error code (the CSI vocabulary, DESIGN.md §5).
 */
export interface AdminServer {
  close(): Promise<void>;
}

/** What the admin API serves; a collection that is absent answers NOT_FOUND. */
export interface AdminRoutes {
  readonly transfers?: TransferManager;
  readonly imports?: ImportHandler;
  /** The sweeper's latest report per parent (issue #10 part 3). */
  readonly held?: () => readonly ForeignHold[];
}

/** JSON has no bigint: sizes travel as decimal strings, like the CSI messages. */
const heldJson = (h: ForeignHold): Record<string, unknown> => ({ ...h, usedBytes: h.usedBytes.toString() });

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400, NOT_FOUND: 404, FAILED_PRECONDITION: 409, ALREADY_EXISTS: 409, ABORTED: 409, UNAVAILABLE: 503,
};
const MAX_BODY = 64 * 1024;

export async function serveAdmin(socketPath: string, routes: AdminRoutes, log: Logger): Promise<AdminServer> {
  await prepareSocketPath(socketPath);
  const server = createServer((req, res) => {
    handle(req, routes).then(
      ({ status, body }) => reply(res, status, body),
      (err: unknown) => {
        const { code, message } = describeError(err);
        reply(res, HTTP_STATUS[code] ?? 500, { code, message });
      },
    );
  });
  await listen(server, socketPath);
  await chmod(socketPath, 0o600);
  log.info('admin API listening', { socket: socketPath });
  return {
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeOwnSocket(socketPath);
    },
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new DriverError('UNAVAILABLE', `cannot listen on ${path}: ${err.message}`, { cause: err })));
    server.listen(path, () => resolve());
  });
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

async function handle(req: IncomingMessage, routes: AdminRoutes): Promise<Reply> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname.split('/').filter((s) => s !== '');
  const [v1, collection, id, action] = path;
  if (v1 === 'v1' && collection === 'imports' && path.length === 2 && req.method === 'POST' && routes.imports) {
    return { status: 200, body: await routes.imports(await readJson(req)) };
  }
  if (v1 === 'v1' && collection === 'held' && path.length === 2 && req.method === 'GET' && routes.held) {
    return { status: 200, body: { held: routes.held().map(heldJson) } };
  }
  const transfers = routes.transfers;
  if (v1 !== 'v1' || collection !== 'transfers' || path.length > 4) throw new DriverError('NOT_FOUND', `no such resource ${req.url ?? ''}`);
  if (!transfers) throw new DriverError('FAILED_PRECONDITION', 'transfers are not configured on this driver (--peer, --tls-*; docs/replication.md)');
  if (req.method === 'GET' && id === undefined) return { status: 200, body: { transfers: transfers.list() } };
  if (req.method === 'GET' && id !== undefined && action === undefined) {
    const status = transfers.get(id);
    if (status === undefined) throw new DriverError('NOT_FOUND', `no transfer ${id}`);
    return { status: 200, body: status };
  }
  if (req.method === 'POST' && id === undefined) return { status: 202, body: transfers.start(decodeStart(await readJson(req))) };
  if (req.method === 'POST' && id !== undefined && action === 'cancel') return { status: 200, body: transfers.cancel(id) };
  throw new DriverError('NOT_FOUND', `no such operation ${req.method ?? ''} ${req.url ?? ''}`);
}

function decodeStart(body: unknown): { snapshotId: string; peer: string; parent?: string } {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { snapshotId, peer, parent } = o;
  if (typeof snapshotId !== 'string' || snapshotId === '') throw new DriverError('INVALID_ARGUMENT', 'snapshotId is required');
  if (typeof peer !== 'string' || peer === '') throw new DriverError('INVALID_ARGUMENT', 'peer is required');
  if (parent !== undefined && typeof parent !== 'string') throw new DriverError('INVALID_ARGUMENT', 'parent must be a string');
  return { snapshotId, peer, ...(parent === undefined ? {} : { parent }) };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.length > MAX_BODY) throw new DriverError('INVALID_ARGUMENT', 'request body is too large');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DriverError('INVALID_ARGUMENT', 'request body is not JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

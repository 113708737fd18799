import { request } from 'node:http';
import { DriverError, isErrorCode } from '../../domain/errors.js';
import { socketPathOf } from '../../grpc/endpoint.js';
import { defaultAdminSocket } from '../transfer-config.js';
import type { FlagValues } from './flags.js';

/** The flag of every command that talks to the admin socket (import, held-volumes, transfer-*). */
export const ADMIN_FLAGS = {
  'admin-endpoint': { type: 'string', value: 'URL', help: 'the driver\'s admin socket (default $ZFS_CSI_ADMIN_ENDPOINT or admin.sock beside --endpoint)' },
} as const;

/** --admin-endpoint, $ZFS_CSI_ADMIN_ENDPOINT, or admin.sock beside the CSI socket (as `serve` defaults it). */
export function adminSocketOf(flags: FlagValues, env: NodeJS.ProcessEnv, csiEndpoint: string): string {
  const given = flags.string('admin-endpoint') ?? (env['ZFS_CSI_ADMIN_ENDPOINT'] || undefined);
  return socketPathOf(given ?? defaultAdminSocket(socketPathOf(csiEndpoint)));
}

/** The standalone driver's admin API (src/app/admin-server.ts): JSON over its unix socket. */
export class AdminClient {
  constructor(readonly socketPath: string, private readonly deadlineMs: number) {}

  get(path: string): Promise<unknown> {
    return this.#call('GET', path, undefined);
  }

  post(path: string, body: unknown = {}): Promise<unknown> {
    return this.#call('POST', path, body);
  }

  #call(method: string, path: string, body: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath, path, method, timeout: this.deadlineMs,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const decoded = parse(text);
          if ((res.statusCode ?? 500) < 300) resolve(decoded);
          else reject(errorOf(decoded, res.statusCode ?? 500));
        });
      });
      req.on('timeout', () => req.destroy(new DriverError('DEADLINE_EXCEEDED', `no answer from ${this.socketPath} within ${this.deadlineMs} ms`)));
      req.on('error', (err) => reject(err instanceof DriverError ? err
        : new DriverError('UNAVAILABLE', `cannot reach the admin API at ${this.socketPath} (is a standalone driver running there?): ${err.message}`)));
      req.end(payload);
    });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorOf(body: unknown, status: number): DriverError {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = isErrorCode(o['code']) ? o['code'] : 'INTERNAL';
  const message = typeof o['message'] === 'string' ? o['message'] : `HTTP ${status}`;
  return new DriverError(code, message);
}

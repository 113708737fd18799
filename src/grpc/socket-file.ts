import { lstat, mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { DriverError } from '../domain/errors.js';

/**
 * A unix socket file the driver serves on (the CSI endpoint, the admin endpoint): its directory is created,
 * a stale socket is replaced, anything else (a file, a live server) is never removed.
 */
function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** True when something accepts connections on the socket (then it is not stale and must not be removed). */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  const stat = await lstat(path).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new DriverError('FAILED_PRECONDITION', `${path} exists and is not a socket; refusing to remove it`);
  }
  if (await socketIsLive(path)) {
    throw new DriverError('FAILED_PRECONDITION', `another process is serving on ${path}`);
  }
  await unlink(path);
}

/** After shutdown: remove the socket file we created, and only if it still is a socket. */
export async function removeOwnSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket()) await unlink(path).catch(() => undefined);
}


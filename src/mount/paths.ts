/**
 * Path checks for everything that reaches mount/umount/mkdir/rmdir (DESIGN.md §4 rule 3).
 *
 * Lexical rules (checkPath, no I/O):
 * - absolute, no NUL byte, at most PATH_MAX - 1 = 4095 bytes (PATH_MAX counts the terminating NUL);
 * - no other control character (0x01-0x1f, 0x7f): a newline in a mount point corrupts every reader of the
 *   mount table that splits lines, and the kubelet never sends one (issue #7 part 8);
 * - no `..` and no `.` segment: a normalised path never has them, and a CO that sends one is either
 *   confused or probing, so we refuse rather than resolve;
 * - repeated slashes (`//x`, `/a//b`) and one trailing slash are tolerated and collapsed: they name the
 *   same file to the kernel and cannot climb out of a directory;
 * - the root `/` itself is refused: it is never a volume source or publish target.
 * The result is the normalised path, which is what the mount table shows for a symlink-free path.
 *
 * I/O rules (the async helpers): the final component must not be a symlink (lstat), and comparisons with
 * the mount table use the canonical form (parent resolved with realpath), because the kernel records mount
 * points with symlinks resolved.
 */
import { lstat, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import { MountError, errnoOf, fsError } from './errors.js';

export const MAX_PATH_BYTES = 4095;

const invalid = (path: string, why: string): MountError =>
  new MountError('INVALID_ARGUMENT', `path ${JSON.stringify(path)} ${why}`);

/** Lexical check; returns the normalised path or throws INVALID_ARGUMENT. */
export function checkPath(path: string): string {
  if (typeof path !== 'string' || path === '') throw invalid(String(path), 'is empty');
  if (path.includes('\0')) throw invalid(path.replaceAll('\0', '\\0'), 'contains a NUL byte');
  if (/[\x01-\x1f\x7f]/.test(path)) throw invalid(path, 'contains a control character');
  if (!path.startsWith('/')) throw invalid(path, 'is not absolute');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw invalid(`${path.slice(0, 64)}...`, `is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..')) throw invalid(path, 'has a ".." segment');
  if (segments.some((s) => s === '.')) throw invalid(path, 'has a "." segment (not normalised)');
  if (segments.length === 0) throw invalid(path, 'is the root directory');
  return `/${segments.join('/')}`;
}

/** lstat that returns undefined for a missing path; any other failure is a MountError. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fsError('cannot lstat', path, err);
  }
}

/** Throws INVALID_ARGUMENT when `path` is a symlink; returns its lstat (undefined when missing). */
export async function assertNotSymlink(path: string): Promise<Stats | undefined> {
  const stats = await lstatOrUndefined(path);
  if (stats?.isSymbolicLink() === true) throw invalid(path, 'is a symlink');
  return stats;
}

/**
 * Throws INVALID_ARGUMENT when `path` is a symlink, and nothing else for a path that is missing or whose
 * FUSE daemon died (ENOTCONN, EIO): a dead zfs-fuse mount is still a mount to unmount, not a symlink.
 */
export async function refuseSymlink(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSymbolicLink()) throw invalid(path, 'is a symlink');
  } catch (err) {
    if (err instanceof MountError) throw err;
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ENOTCONN' || errno === 'EIO') return;
    throw fsError('cannot lstat', path, err);
  }
}

/**
 * `realpath(dirname(path)) + "/" + basename(path)`: the form the kernel records in the mount table. The
 * final component is deliberately not followed (a symlink there is refused by assertNotSymlink). A missing
 * parent is NOT_FOUND. `path` must have passed checkPath.
 */
export async function canonicalPath(path: string): Promise<string> {
  const parent = posix.dirname(path);
  let real: string;
  try {
    real = await realpath(parent);
  } catch (err) {
    throw fsError('cannot resolve parent directory', parent, err);
  }
  return posix.join(real, posix.basename(path));
}

/** canonicalPath, or the path as given when its parent is gone (then nothing can be mounted below it). */
export async function canonicalOrSelf(path: string): Promise<string> {
  try {
    return await canonicalPath(path);
  } catch (err) {
    if (err instanceof MountError && err.code === 'NOT_FOUND') return path;
    throw err;
  }
}

import { DriverError, type ErrorCode } from '../domain/errors.js';

/**
 * A failure of the mount layer. The code is chosen where the cause is known: INVALID_ARGUMENT for a bad
 * path or a symlinked target, NOT_FOUND for a missing parent/source/target, ALREADY_EXISTS for a target
 * holding a different mount, FAILED_PRECONDITION for a state we refuse to touch (e.g. a non-empty target),
 * ABORTED for a busy unmount or a cancelled command, DEADLINE_EXCEEDED for a command that timed out,
 * INTERNAL for a failed mount command or an unreadable mount table.
 */
export class MountError extends DriverError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The errno code of a failed fs call (`ENOENT`, ...), undefined for anything else. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code: unknown = err.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a failed fs call on `path` to a MountError with the code its errno means. */
export function fsError(what: string, path: string, err: unknown): MountError {
  const errno = errnoOf(err);
  const code: ErrorCode =
    errno === 'ENOENT'
      ? 'NOT_FOUND'
      : errno === 'ENOTDIR' || errno === 'ELOOP' || errno === 'ENAMETOOLONG'
        ? 'INVALID_ARGUMENT'
        : 'INTERNAL';
  const detail = err instanceof Error ? err.message : String(err);
  return new MountError(code, `${what} ${JSON.stringify(path)}: ${detail}`, { cause: err });
}

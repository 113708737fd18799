import { DriverError, type ErrorCode } from '../domain/errors.js';

/** What went wrong with a `zfs`/`zpool` command, decided once by classify.ts or the runner (exec.ts). */
export const ZFS_ERROR_KINDS = [
  'not_found',
  'exists',
  'busy',
  'dependents',
  'no_space',
  'pool_unavailable',
  'invalid',
  'timeout',
  'cancelled',
  'unknown',
] as const;

export type ZfsErrorKind = (typeof ZFS_ERROR_KINDS)[number];

/**
 * The one kind → code table. busy and cancelled are ABORTED so the CO retries (DESIGN.md §4 rule 5);
 * an unreachable pool or daemon is UNAVAILABLE, never an empty answer (§4 rule 6).
 */
export const ZFS_ERROR_CODES: Readonly<Record<ZfsErrorKind, ErrorCode>> = {
  not_found: 'NOT_FOUND',
  exists: 'ALREADY_EXISTS',
  busy: 'ABORTED',
  dependents: 'FAILED_PRECONDITION',
  no_space: 'RESOURCE_EXHAUSTED',
  pool_unavailable: 'UNAVAILABLE',
  invalid: 'INVALID_ARGUMENT',
  timeout: 'DEADLINE_EXCEEDED',
  cancelled: 'ABORTED',
  unknown: 'INTERNAL',
};

export interface ZfsErrorDetails {
  /** The full command line (prefix, binary, arguments), kept for logs. */
  readonly argv?: readonly string[];
  /** The command's stderr, kept for logs and for callers that need the exact wording. */
  readonly stderr?: string;
  readonly cause?: unknown;
}

export class ZfsError extends DriverError {
  readonly kind: ZfsErrorKind;
  readonly argv: readonly string[];
  readonly stderr: string;

  constructor(kind: ZfsErrorKind, message: string, details: ZfsErrorDetails = {}) {
    super(ZFS_ERROR_CODES[kind], message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.argv = details.argv ?? [];
    this.stderr = details.stderr ?? '';
  }
}

/** True when `err` is a ZfsError, optionally of one of the given kinds. */
export function isZfsError(err: unknown, ...kinds: readonly ZfsErrorKind[]): err is ZfsError {
  return err instanceof ZfsError && (kinds.length === 0 || kinds.includes(err.kind));
}

import { DriverError, type ErrorCode } from '../domain/errors.js';

/**
 * A transfer refused or failed (issue #8): a diverged target or a foreign dataset is FAILED_PRECONDITION,
 * a peer that is not allowed is FAILED_PRECONDITION too (the CSI error vocabulary has no PERMISSION_DENIED),
 * a broken or stalled channel is UNAVAILABLE/ABORTED, so a caller can tell "retry" from "fix first".
 */
export class TransferError extends DriverError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

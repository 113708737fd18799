import { DriverError, type ErrorCode } from '../domain/errors.js';

/** A refusal decided by the provisioner (in use, damaged record, pool gone) rather than by ZFS itself. */
export class ProvisionError extends DriverError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

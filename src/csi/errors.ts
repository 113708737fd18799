import { DriverError, type ErrorCode } from '../domain/errors.js';

/** A CSI-level refusal: bad input, a missing object, a conflicting request (CSI spec error tables). */
export class CsiError extends DriverError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export const invalidArgument = (message: string): CsiError => new CsiError('INVALID_ARGUMENT', message);
export const notFound = (message: string): CsiError => new CsiError('NOT_FOUND', message);
export const alreadyExists = (message: string): CsiError => new CsiError('ALREADY_EXISTS', message);
export const failedPrecondition = (message: string): CsiError =>
  new CsiError('FAILED_PRECONDITION', message);
export const outOfRange = (message: string): CsiError => new CsiError('OUT_OF_RANGE', message);
export const resourceExhausted = (message: string): CsiError =>
  new CsiError('RESOURCE_EXHAUSTED', message);

/**
 * The error vocabulary shared by every layer. Each layer throws its own subclass (ZfsError, MountError,
 * CsiError, ...) and decides its `code` where it knows the cause; grpc/status.ts is the one place that turns
 * a code into a gRPC status. Anything that is not a DriverError reaches the client as INTERNAL, never UNKNOWN.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
  'OUT_OF_RANGE',
  'ABORTED',
  'DEADLINE_EXCEEDED',
  'UNAVAILABLE',
  'UNIMPLEMENTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class DriverError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code and message an arbitrary thrown value maps to (INTERNAL for anything untyped). */
export function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof DriverError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

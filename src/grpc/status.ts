/**
 * The one place where an error becomes a gRPC status (src/domain/errors.ts). Codes map by name onto
 * grpc-js's `status` enum; anything untyped is INTERNAL, never UNKNOWN (CSI spec "Error Scheme").
 */
import { status, type StatusObject } from '@grpc/grpc-js';
import { describeError, isErrorCode, type ErrorCode } from '../domain/errors.js';

export function grpcCode(code: ErrorCode): status {
  return status[code];
}

export interface GrpcError {
  readonly code: status;
  /** The driver's error code name, for logs. */
  readonly codeName: ErrorCode;
  /** Never empty: the CSI spec requires a human-readable message on every non-OK status. */
  readonly details: string;
}

export function toGrpcError(err: unknown): GrpcError {
  const described = describeError(err);
  // A DriverError built with a forged code (a cast) still must not leak an odd status.
  const codeName: ErrorCode = isErrorCode(described.code) ? described.code : 'INTERNAL';
  const details = described.message.trim() === '' ? codeName : described.message;
  return { code: grpcCode(codeName), codeName, details };
}

/** The shape grpc-js's unary callback accepts as an error. */
export function toStatusObject(err: unknown): Partial<StatusObject> {
  const { code, details } = toGrpcError(err);
  return { code, details };
}

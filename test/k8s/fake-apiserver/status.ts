/**
 * Kubernetes `Status` failures. Every error the fake answers with is one of these, shaped exactly like a
 * real API server's (kind Status, apiVersion v1, status Failure, reason, code, message, details), so
 * client code that decodes `ApiException.body` behaves the same against the fake and a real cluster.
 */
import type { JsonObject } from './json.js';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: JsonObject = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): JsonObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

/** What an error message names: `zfsvolumes.zfs.csi.dev` (or `leases.coordination.k8s.io`, `events`). */
export interface Qualified {
  readonly group: string;
  readonly plural: string;
}

function qualifiedName(r: Qualified): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

function details(r: Qualified, name: string): JsonObject {
  return { name, group: r.group, kind: r.plural };
}

export function notFound(r: Qualified, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, details(r, name));
}

export function alreadyExists(r: Qualified, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(r)} "${name}" already exists`, details(r, name));
}

/** The optimistic-lock failure: same wording as apiserver's OptimisticLockErrorMsg. */
export function conflict(r: Qualified, name: string, why?: string): ApiError {
  const cause = why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": ${cause}`, details(r, name));
}

export function invalid(r: Qualified, name: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `${qualifiedName(r)} "${name}" is invalid: ${message}`, details(r, name));
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType}) - accepted media types include: ` +
      'application/json-patch+json, application/merge-patch+json',
  );
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

export function pathNotFound(path: string): ApiError {
  return new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function internal(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** The reason a real server puts on a Status for a given HTTP code (used for injected faults). */
export function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
    409: 'Conflict', 410: 'Expired', 415: 'UnsupportedMediaType', 422: 'Invalid', 429: 'TooManyRequests',
    500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
  };
  return reasons[code] ?? 'Unknown';
}

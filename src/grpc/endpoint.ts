/** CSI endpoints (CSI spec "CSI_ENDPOINT"): `unix:///abs/path.sock`, or a bare absolute path for convenience. */
import { isAbsolute, normalize } from 'node:path';
import { DriverError } from '../domain/errors.js';

/** The absolute socket path of an endpoint; anything but a unix endpoint is INVALID_ARGUMENT. */
export function socketPathOf(endpoint: string): string {
  const path = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint;
  if (!isAbsolute(path) || path.includes('\0')) {
    throw new DriverError('INVALID_ARGUMENT', `endpoint ${JSON.stringify(endpoint)} is not unix:///absolute/path`);
  }
  return normalize(path);
}

/** The form grpc-js dials and CSI sidecars expect. */
export function addressOf(socketPath: string): string {
  return `unix://${socketPath}`;
}

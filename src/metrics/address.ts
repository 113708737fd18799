import { DriverError } from '../domain/errors.js';

export interface ListenAddress {
  /** Empty: every interface. */
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `--metrics-address`: `host:port`, `[v6]:port` or `:port` (every interface). Port 0 asks the OS
 * for a free one (tests). Anything else is INVALID_ARGUMENT at start-up, not a silent default.
 */
export function parseListenAddress(address: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new DriverError('INVALID_ARGUMENT', `metrics address must be host:port, [ipv6]:port or :port (got ${JSON.stringify(address)})`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

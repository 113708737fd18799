import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../grpc/load.js';

/** The package version: GetPluginInfo.vendor_version, `zfs-csi --version`, the agent version in ZfsNode. */
export const VERSION: string = readVersion();

function readVersion(): string {
  const raw: unknown = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const version = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['version'] : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

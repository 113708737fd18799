import { POOL_VERSIONS_ARGS, PROPERTY_TABLE_ARGS, VERSION_ARGS } from './argv.js';
import { ZfsError, isZfsError } from './errors.js';
import type { CommandRunner } from './exec.js';
import { parseOpenZfsVersion, parsePoolVersion, parsePropertyTable } from './parse.js';
import type { ZfsCapabilities } from './zfs.js';

export interface ProbeBinaries {
  readonly zfsPath: string;
  readonly zpoolPath: string;
}

/**
 * What this ZFS is and can do (DESIGN.md §6: code to the common subset, probe for the rest).
 * OpenZFS answers `zfs version`; zfs-fuse refuses it as an unrecognized command and reports only its
 * pool version (`zpool upgrade -v`). Failures that are not such a refusal (daemon down, timeout) are
 * thrown, so a caller never caches a guess.
 */
export async function probeCapabilities(
  runner: CommandRunner,
  paths: ProbeBinaries,
  signal?: AbortSignal,
): Promise<ZfsCapabilities> {
  const openzfs = await probeOpenZfsVersion(runner, paths.zfsPath, signal);
  const properties = await probeProperties(runner, paths.zfsPath, signal);
  if (openzfs !== undefined) {
    return { implementation: 'openzfs', version: openzfs, properties, multiSet: true };
  }
  const { stdout } = await runner.run(paths.zpoolPath, POOL_VERSIONS_ARGS, signal);
  const poolVersion = parsePoolVersion(stdout);
  if (poolVersion === undefined) throw new ZfsError('unknown', 'zpool upgrade -v: no pool version in output');
  return { implementation: 'zfs-fuse', version: `pool-${poolVersion}`, properties, multiSet: false };
}

/** The OpenZFS version, or undefined when `zfs version` is an unknown command (zfs-fuse). */
async function probeOpenZfsVersion(
  runner: CommandRunner,
  zfsPath: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    const { stdout } = await runner.run(zfsPath, VERSION_ARGS, signal);
    const version = parseOpenZfsVersion(stdout);
    if (version === undefined) throw new ZfsError('unknown', 'zfs version: no version in output');
    return version;
  } catch (err) {
    if (isZfsError(err, 'invalid') && /unrecognized command/.test(err.stderr)) return undefined;
    throw err;
  }
}

/**
 * Native properties from the table bare `zfs get` prints with its usage (exit 2, on stderr). The table
 * itself is the evidence: when it is missing, the failure (daemon down, timeout) is the answer.
 */
async function probeProperties(
  runner: CommandRunner,
  zfsPath: string,
  signal: AbortSignal | undefined,
): Promise<ReadonlySet<string>> {
  let text: string;
  let failure: unknown;
  try {
    const output = await runner.run(zfsPath, PROPERTY_TABLE_ARGS, signal);
    text = `${output.stdout}\n${output.stderr}`;
  } catch (err) {
    if (!isZfsError(err)) throw err;
    text = err.stderr;
    failure = err;
  }
  const properties = parsePropertyTable(text);
  if (properties.size > 0) return properties;
  if (isZfsError(failure) && failure.kind !== 'invalid') throw failure;
  throw new ZfsError('unknown', 'zfs get: no property table in usage output');
}

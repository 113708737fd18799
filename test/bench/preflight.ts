import { join } from 'node:path';
import { execa } from 'execa';
import type { Scratch } from './scratch.js';

const STATFS_TIMEOUT_MS = 5000;

/**
 * Fails fast, with the reason, when ZFS mounts do not answer: a wedged zfs-fuse (see mount-guard.ts) would
 * otherwise show up as timeouts scattered over every section.
 */
export async function preflight(scratch: Scratch): Promise<void> {
  const section = await scratch.section('preflight');
  const mountpoint = join(section.dir, 'probe');
  await execa('/sbin/zfs', ['create', '-o', `mountpoint=${mountpoint}`, `${section.parent}/probe`], { timeout: 30_000 });
  const stat = await execa('/usr/bin/stat', ['-f', '-c', '%b', mountpoint], { reject: false, timeout: STATFS_TIMEOUT_MS });
  if (stat.exitCode !== 0) {
    throw new Error(
      `statfs of a fresh ZFS mount (${mountpoint}) did not answer within ${STATFS_TIMEOUT_MS / 1000} s: ` +
        'the ZFS daemon does not serve its mounts (zfs-fuse wedged?); restart it and run the benchmark again',
    );
  }
  await scratch.dropSection(section);
}

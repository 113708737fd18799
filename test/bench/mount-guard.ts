import { join } from 'node:path';
import { ZfsCli } from '../../src/zfs/cli.js';

/**
 * zfs-fuse hands each new mount to its FUSE listener through a pipe with two unlocked write() calls (the
 * fs info, then the mount point). Two mounts at once can interleave them; the listener then reads a garbage
 * length while holding its lock and every zfs-fuse mount on the host stops answering until the daemon is
 * restarted (seen here: a listener thread blocked in read(pipe, …, 1.6 GB)). So on zfs-fuse the benchmark
 * never mounts two datasets at once: the concurrent-create measure runs every zfs command of BOTH sides
 * under `flock <lock>` (argv, no shell), which keeps the comparison fair. OpenZFS needs no guard.
 */
export interface MountGuard {
  readonly implementation: 'openzfs' | 'zfs-fuse';
  /** Argv to put before /sbin/zfs (the driver's --zfs-prefix and the raw commands); [] on OpenZFS. */
  readonly prefix: readonly string[];
}

export async function mountGuard(dir: string): Promise<MountGuard> {
  const { implementation } = await new ZfsCli().capabilities();
  return { implementation, prefix: implementation === 'zfs-fuse' ? ['/usr/bin/flock', join(dir, 'zfs-mount.lock')] : [] };
}

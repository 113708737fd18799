/** Volume statistics from statfs(2) (DESIGN.md §3 NodeGetVolumeStats, §7: no child process, p99 ≤ 10 ms). */
import { statfs } from 'node:fs/promises';
import { fsError } from './errors.js';
import type { VolumeStats } from './targets.js';

export async function volumeStats(path: string): Promise<VolumeStats> {
  let s;
  try {
    s = await statfs(path, { bigint: true });
  } catch (err) {
    throw fsError('cannot statfs', path, err);
  }
  // bavail (not bfree) is what an unprivileged writer can still use, which is what a pod can use.
  return {
    totalBytes: s.blocks * s.bsize,
    availableBytes: s.bavail * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    totalInodes: s.files,
    freeInodes: s.ffree,
    usedInodes: s.files - s.ffree,
  };
}

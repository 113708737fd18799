/**
 * A throw-away zfs-fuse pool that a health test may break: a mirror of two sparse files (so one side can be
 * offlined, leaving the pool DEGRADED), with the parent `<pool>/csi`. Never the shared test pool.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

const POOL_DIR = process.env['ZFS_CSI_TEST_POOL_DIR'] ?? '/var/lib/zfs-csi-test';
const TIMEOUT_MS = 60_000;

export interface MirrorPool {
  readonly pool: string;
  readonly parent: string;
  /** `zpool offline` of the second file: the pool goes DEGRADED. */
  offlineOne(): Promise<void>;
  /** `zpool export`, retried while zfs-fuse says busy. */
  exportPool(): Promise<void>;
  /** Destroys the pool (imported or not) and its files; a problem description, or undefined. */
  destroy(): Promise<string | undefined>;
}

async function zpool(args: readonly string[]): Promise<{ ok: boolean; stderr: string }> {
  const r = await execa('/sbin/zpool', args, { reject: false, timeout: TIMEOUT_MS, env: { LC_ALL: 'C' } });
  return { ok: r.exitCode === 0, stderr: r.stderr };
}

async function retried(args: readonly string[], done: RegExp = /^$/): Promise<string | undefined> {
  let last = '';
  for (let delay = 200; delay < 5000; delay *= 2) {
    const r = await zpool(args);
    if (r.ok || (done.source !== '^$' && done.test(r.stderr))) return undefined;
    last = r.stderr.trim();
    await new Promise((res) => setTimeout(res, delay));
  }
  return `zpool ${args.join(' ')}: ${last}`;
}

export async function createMirrorPool(name: string): Promise<MirrorPool> {
  await mkdir(POOL_DIR, { recursive: true });
  const images = [join(POOL_DIR, `${name}-a.img`), join(POOL_DIR, `${name}-b.img`)] as const;
  for (const image of images) await execa('/usr/bin/truncate', ['-s', '128M', image]);
  const removeFiles = async (): Promise<void> => {
    for (const image of images) await rm(image, { force: true });
  };
  const made = await zpool(['create', '-f', '-m', 'none', name, 'mirror', ...images]);
  if (!made.ok) {
    await removeFiles();
    throw new Error(`zpool create ${name}: ${made.stderr}`);
  }
  const parent = `${name}/csi`;
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent], { timeout: TIMEOUT_MS });
  return {
    pool: name,
    parent,
    async offlineOne() {
      const problem = await retried(['offline', name, images[1]]);
      if (problem !== undefined) throw new Error(problem);
    },
    async exportPool() {
      const problem = await retried(['export', name]);
      if (problem !== undefined) throw new Error(problem);
    },
    async destroy() {
      // An exported pool is imported back first (from its files' directory) so that destroy can remove it.
      await zpool(['import', '-d', POOL_DIR, name]);
      const problem = await retried(['destroy', '-f', name], /no such pool/);
      if (problem === undefined) await removeFiles();
      return problem;
    },
  };
}

/**
 * One zfs-fuse pool per simulated node (DESIGN.md §6: "two zfs-fuse pools standing for node-a and node-b"):
 * a sparse file under /var/lib/zfs-csi-test, `zpool create -m none` (nothing mounts, so no mount lock is
 * needed), and a parent dataset below it for the agent. Each run names its pools uniquely, so runs and
 * other engineers' tests never meet; destroy() removes the pool and its file even after a failure.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

const POOL_DIR = process.env['ZFS_CSI_TEST_POOL_DIR'] ?? '/var/lib/zfs-csi-test';
const TIMEOUT_MS = 60_000;

export interface NodePool {
  readonly pool: string;
  /** The agent's --parent: `<pool>/csi`. */
  readonly parent: string;
  readonly image: string;
  destroy(): Promise<string | undefined>;
}

async function zpool(args: readonly string[]): Promise<{ ok: boolean; stderr: string }> {
  const r = await execa('/sbin/zpool', args, { reject: false, timeout: TIMEOUT_MS, env: { LC_ALL: 'C' } });
  return { ok: r.exitCode === 0, stderr: r.stderr };
}

/** Creates `<name>` on a sparse file of `size` (e.g. '128M') with the parent `<name>/csi` (not mounted). */
export async function createNodePool(name: string, size: string): Promise<NodePool> {
  await mkdir(POOL_DIR, { recursive: true });
  const image = join(POOL_DIR, `${name}.img`);
  await execa('/usr/bin/truncate', ['-s', size, image]);
  const made = await zpool(['create', '-f', '-m', 'none', name, image]);
  if (!made.ok) {
    await rm(image, { force: true });
    throw new Error(`zpool create ${name}: ${made.stderr}`);
  }
  const parent = `${name}/csi`;
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent], { timeout: TIMEOUT_MS });
  return { pool: name, parent, image, destroy: () => destroyPool(name, image) };
}

/**
 * `zpool destroy -f` unmounts the pool's datasets through the daemon (bind mounts onto them must be gone
 * first: the cluster unmounts publish targets before this). Retried: zfs-fuse says "busy" for a moment
 * after mounts change. Returns a problem description, or undefined when the pool and its file are gone.
 */
async function destroyPool(name: string, image: string): Promise<string | undefined> {
  let last = '';
  for (let delay = 200; delay < 5000; delay *= 2) {
    const r = await zpool(['destroy', '-f', name]);
    if (r.ok || /no such pool/.test(r.stderr)) {
      await rm(image, { force: true });
      return undefined;
    }
    last = r.stderr.trim();
    await new Promise((res) => setTimeout(res, delay));
  }
  return `zpool destroy ${name}: ${last}`;
}


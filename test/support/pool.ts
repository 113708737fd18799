import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { parentMarkOf } from '../../src/provision/parent-presence.js';

/** The test pool made by scripts/setup-zfs.sh (npm test runs it first). */
export const TEST_POOL = process.env['ZFS_CSI_TEST_POOL'] ?? 'zfscsi';

/** The second node's pool (transfers between nodes, issue #8), also made by scripts/setup-zfs.sh. */
export const TEST_POOL2 = process.env['ZFS_CSI_TEST_POOL2'] ?? 'zfscsi2';

/** A parent dataset name no other test uses. */
export function uniqueParent(prefix: string, pool = TEST_POOL): string {
  return `${pool}/${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Names under a dataset (itself excluded), snapshots included, sorted; [] when it does not exist. */
export async function zfsTree(dataset: string): Promise<string[]> {
  const r = await execa('/sbin/zfs', ['list', '-H', '-o', 'name', '-t', 'all', '-r', dataset], { reject: false });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').filter((n) => n !== '' && n !== dataset).sort();
}

/** One property of a dataset or snapshot (`-p`: exact numbers), undefined when it does not exist. */
export async function zfsProp(name: string, prop: string): Promise<string | undefined> {
  const r = await execa('/sbin/zfs', ['get', '-Hp', '-o', 'value', prop, name], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * Removes a test's scratch parent: unmounts whatever is mounted below `mountDirs`, then destroys the tree.
 * Test cleanup only — the driver itself never destroys recursively (DESIGN.md §4).
 */
export async function destroyScratch(parent: string, mountDirs: readonly string[] = []): Promise<void> {
  for (const dir of mountDirs) await unmountBelow(dir);
  // The driver's record that this parent was seen (src/provision/parent-presence.ts) goes with it.
  await execa('/sbin/zfs', ['inherit', parentMarkOf(parent), parent.split('/')[0] ?? parent], { reject: false });
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await execa('/sbin/zfs', ['destroy', '-R', '-f', parent], { reject: false });
    if (r.exitCode === 0 || /does not exist/.test(r.stderr)) return;
    await new Promise((res) => setTimeout(res, 300)); // zfs-fuse: "dataset is busy" right after unmounts
  }
}

/** Unmounts every mount at or below dir, deepest first. */
export async function unmountBelow(dir: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points = table
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await execa('/bin/umount', ['-l', p], { reject: false });
}

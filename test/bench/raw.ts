import { execa } from 'execa';
import { shells } from './shell.js';

const ZFS = '/sbin/zfs';
const BUSY_BUDGET_MS = 10_000;

/** How often a raw command met "dataset is busy" and was run again (reported: a person would retry too). */
export const busyRetries = { count: 0 };

/** The commands each baseline ran, as a person would type them (shown in the benchmark's notes). */
export const BASELINE = {
  create: 'zfs create -o refquota=<bytes> -o mountpoint=<dir> <parent>/<name>',
  createUnmounted: 'zfs create -o refquota=<bytes> -o canmount=noauto -o mountpoint=<dir> <parent>/<name>',
  snapshot: 'zfs snapshot <parent>/<name>@<snap>',
  clone: 'zfs clone -o refquota=<bytes> -o mountpoint=<dir> <snapshot> <parent>/<name>',
  destroy: 'zfs destroy <parent>/<name>',
} as const;

/**
 * One raw `zfs` command, the baseline each driver figure stands beside, run from bash (shell.ts) and timed
 * there. Resolves with its time in ms: the command's own runs plus the pauses between them, since
 * "dataset is busy" (zfs-fuse, just after mounts change) is retried as the driver retries it
 * (DESIGN.md §4 rule 5), so both sides pay alike.
 */
export async function zfs(args: readonly string[], prefix: readonly string[] = []): Promise<number> {
  const deadline = Date.now() + BUSY_BUDGET_MS;
  let total = 0;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const r = await shells.run([...prefix, ZFS, ...args]);
    total += r.ms;
    if (r.exitCode === 0) return total;
    busyRetries.count++;
    if (!/busy/.test(r.stderr) || Date.now() > deadline) {
      throw new Error(`zfs ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    }
    const paused = performance.now();
    await new Promise((res) => setTimeout(res, delay));
    total += performance.now() - paused;
  }
}

export const rawCreate = (dataset: string, bytes: bigint, mountpoint: string, prefix: readonly string[] = []): Promise<number> =>
  zfs(['create', '-o', `refquota=${bytes}`, '-o', `mountpoint=${mountpoint}`, dataset], prefix);

export const rawCreateUnmounted = (dataset: string, bytes: bigint, mountpoint: string): Promise<number> =>
  zfs(['create', '-o', `refquota=${bytes}`, '-o', 'canmount=noauto', '-o', `mountpoint=${mountpoint}`, dataset]);

export const rawSnapshot = (snapshot: string): Promise<number> => zfs(['snapshot', snapshot]);

export const rawClone = (snapshot: string, dataset: string, bytes: bigint, mountpoint: string): Promise<number> =>
  zfs(['clone', '-o', `refquota=${bytes}`, '-o', `mountpoint=${mountpoint}`, snapshot, dataset]);

export const rawDestroy = (name: string): Promise<number> => zfs(['destroy', name]);

/** `zfs get -r` of one property under a dataset: name → value (the value `-` means unset). */
export async function propertyTree(dataset: string, property: string): Promise<Map<string, string>> {
  const r = await execa(ZFS, ['get', '-r', '-H', '-o', 'name,value', property, dataset], { env: { LC_ALL: 'C' } });
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [name, value] = line.split('\t');
    if (name && value !== undefined) out.set(name, value);
  }
  return out;
}

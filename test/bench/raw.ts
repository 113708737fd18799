import { execa } from 'execa';

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
 * One raw `zfs` command, the baseline each driver figure stands beside. "dataset is busy" (zfs-fuse, just
 * after mounts change) is retried as the driver retries it (DESIGN.md §4 rule 5), so both sides pay alike.
 */
export async function zfs(args: readonly string[], prefix: readonly string[] = []): Promise<void> {
  const [file = ZFS, ...before] = [...prefix, ZFS];
  const deadline = Date.now() + BUSY_BUDGET_MS;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const r = await execa(file, [...before, ...args], { reject: false, env: { LC_ALL: 'C' }, stdin: 'ignore' });
    if (r.exitCode === 0) return;
    busyRetries.count++;
    if (!/busy/.test(r.stderr) || Date.now() > deadline) {
      throw new Error(`zfs ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode ?? 'none'}`}`);
    }
    await new Promise((res) => setTimeout(res, delay));
  }
}

export const rawCreate = (dataset: string, bytes: bigint, mountpoint: string, prefix: readonly string[] = []): Promise<void> =>
  zfs(['create', '-o', `refquota=${bytes}`, '-o', `mountpoint=${mountpoint}`, dataset], prefix);

export const rawCreateUnmounted = (dataset: string, bytes: bigint, mountpoint: string): Promise<void> =>
  zfs(['create', '-o', `refquota=${bytes}`, '-o', 'canmount=noauto', '-o', `mountpoint=${mountpoint}`, dataset]);

export const rawSnapshot = (snapshot: string): Promise<void> => zfs(['snapshot', snapshot]);

export const rawClone = (snapshot: string, dataset: string, bytes: bigint, mountpoint: string): Promise<void> =>
  zfs(['clone', '-o', `refquota=${bytes}`, '-o', `mountpoint=${mountpoint}`, snapshot, dataset]);

export const rawDestroy = (name: string): Promise<void> => zfs(['destroy', name]);

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

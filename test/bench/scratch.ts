import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROP_PREFIX } from '../../src/provision/props.js';
import { TEST_POOL } from '../support/pool.js';
import { CleanupStack } from '../support/cleanup.js';

const DESTROY_BUDGET_MS = 60_000;
const COMMAND_TIMEOUT_MS = 60_000;

/** Mount points at or below dir, deepest first, from this process's mount table. */
async function mountsBelow(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/**
 * Destroys a scratch tree the benchmark made. Publish targets (bind mounts) are unmounted first with a plain
 * `umount`; the datasets are left to `zfs destroy -R -f`, which unmounts them through the ZFS daemon, so
 * zfs-fuse tears each FUSE session down in order (no lazy `umount -l` that leaves the daemon to notice
 * later). Every command has a timeout: a hung daemon must not hang the benchmark. Returns what is left.
 */
export async function destroyTree(dataset: string, dir: string): Promise<string | undefined> {
  await forgetParents(dataset);
  for (const target of (await mountsBelow(dir)).filter((p) => p.includes('/targets/'))) {
    await execa('/bin/umount', [target], { reject: false, timeout: COMMAND_TIMEOUT_MS });
  }
  const deadline = Date.now() + DESTROY_BUDGET_MS;
  let last = '';
  for (let delay = 200; Date.now() < deadline; delay = Math.min(delay * 2, 3000)) {
    const r = await execa('/sbin/zfs', ['destroy', '-R', '-f', dataset], { reject: false, timeout: COMMAND_TIMEOUT_MS, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0 || /does not exist/.test(r.stderr)) return undefined;
    last = r.stderr.trim() || r.shortMessage || `exit ${r.exitCode ?? 'none'}`;
    // `-R` stops at the first busy child (zfs-fuse after a burst of 100 mounts: seen 2026-12-07, 136 datasets
    // left); destroying the deepest first, each on its own, gets past the busy ones and frees the rest.
    await destroyDeepestFirst(dataset);
    await new Promise((res) => setTimeout(res, delay));
  }
  return `zfs destroy -R -f ${dataset}: ${last}`;
}

/**
 * Clears the pool-root marks (src/provision/parent-presence.ts) of the parents at or below `dataset`, as an
 * operator does for a parent removed on purpose: every mark is inherited by every dataset of the pool, so
 * each run left ~10 more on the test pool (test/support/pool.ts destroyScratch does the same for tests).
 */
async function forgetParents(dataset: string): Promise<void> {
  const pool = dataset.split('/')[0] ?? dataset;
  const r = await execa('/sbin/zfs', ['get', '-H', '-s', 'local', '-o', 'property,value', 'all', pool], { reject: false, timeout: COMMAND_TIMEOUT_MS, env: { LC_ALL: 'C' } });
  for (const line of r.stdout.split('\n')) {
    const [property = '', value = ''] = line.split('\t');
    if (!property.startsWith(`${PROP_PREFIX}parent-`) || !(value === dataset || value.startsWith(`${dataset}/`))) continue;
    await execa('/sbin/zfs', ['inherit', property, pool], { reject: false, timeout: COMMAND_TIMEOUT_MS, env: { LC_ALL: 'C' } });
  }
}

async function destroyDeepestFirst(dataset: string): Promise<void> {
  const r = await execa('/sbin/zfs', ['list', '-H', '-o', 'name', '-t', 'filesystem', '-r', dataset], { reject: false, timeout: COMMAND_TIMEOUT_MS, env: { LC_ALL: 'C' } });
  const depth = (name: string): number => name.split('/').length;
  const names = r.stdout.split('\n').filter((n) => n !== '' && n !== dataset).sort((a, b) => depth(b) - depth(a));
  for (const name of names) {
    await execa('/sbin/zfs', ['destroy', '-r', '-f', name], { reject: false, timeout: COMMAND_TIMEOUT_MS, env: { LC_ALL: 'C' } });
  }
}

/**
 * Everything one benchmark run makes: a root dataset `<pool>/bench-<hex>` (not mounted) holding one child
 * parent per section, and a temp directory for sockets, mount roots and publish targets. Cleanup undoes it
 * all, in reverse order of registration, even after a failure or Ctrl-C.
 */
export class Scratch {
  private readonly stack = new CleanupStack();
  /** What cleanup could not remove (printed in the report). */
  readonly problems: string[] = this.stack.problems;

  private constructor(
    readonly root: string,
    readonly dir: string,
  ) {}

  static async create(): Promise<Scratch> {
    const root = `${TEST_POOL}/bench-${randomBytes(4).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'zfs-csi-bench-'));
    const scratch = new Scratch(root, dir);
    scratch.onCleanup(async () => {
      // A directory still holding a mount must not be deleted recursively: that would reach into the dataset.
      if ((await mountsBelow(dir)).length === 0) await rm(dir, { recursive: true, force: true });
      else scratch.problems.push(`${dir} still holds mounts; left in place`);
    });
    await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', root]);
    scratch.onCleanup(async () => {
      const problem = await destroyTree(root, dir);
      if (problem) scratch.problems.push(problem);
    });
    return scratch;
  }

  /** A fresh parent dataset `<root>/<name>` (not mounted) and a directory `<dir>/<name>` for its mounts. */
  async section(name: string): Promise<{ parent: string; dir: string }> {
    const parent = `${this.root}/${name}`;
    const dir = join(this.dir, name);
    await mkdir(dir, { recursive: true });
    await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent]);
    return { parent, dir };
  }

  /** Removes one section's datasets and mounts early, so later sections run on a quiet pool. */
  async dropSection(section: { parent: string; dir: string }): Promise<void> {
    const problem = await destroyTree(section.parent, section.dir);
    if (problem) this.problems.push(problem);
  }

  onCleanup(fn: () => Promise<void>): void {
    this.stack.push(fn);
  }

  cleanup(): Promise<void> {
    return this.stack.run();
  }
}

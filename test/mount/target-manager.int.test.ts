/**
 * Real mounts (root needed): tmpfs sources and a zfs-fuse dataset, bound onto publish targets through
 * LinuxMounter + HostTargetManager. Everything made here lives under one temp dir and one scratch dataset,
 * both removed at the end even on failure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, realpath, rm, stat, statfs, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { errnoOf, MountError } from '../../src/mount/errors.js';
import { LinuxMounter } from '../../src/mount/linux-mounter.js';
import { topMountAt } from '../../src/mount/table-query.js';
import { HostTargetManager } from '../../src/mount/target-manager.js';

const POOL = process.env['ZFS_CSI_TEST_POOL'] ?? 'zfscsi';
const code = (c: string) => (err: unknown) => err instanceof MountError && err.code === c;
const exists = (p: string) => stat(p).then(() => true, () => false);
const mounter = new LinuxMounter({ busyRetryDelaysMs: [20, 40, 80] });
const tm = new HostTargetManager(mounter);
const mountsAt = async (p: string) => (await mounter.table()).filter((e) => e.mountPoint === p).length;

/** zfs-fuse says "dataset is busy" for a moment after mounts change (DESIGN.md §6). */
async function zfsRetry(args: string[]): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await execa('zfs', args, { reject: false, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0) return;
    if (i >= 20 || !/busy/.test(String(r.stderr))) throw new Error(`zfs ${args.join(' ')}: ${String(r.stderr)}`);
    await delay(250);
  }
}

describe('HostTargetManager on real mounts', () => {
  let dir: string;
  let src: string;
  let other: string;
  const dataset = `${POOL}/t-mount-${randomBytes(4).toString('hex')}`;
  let datasetCreated = false;

  before(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'zfs-csi-mount-int-')));
    src = join(dir, 'src');
    other = join(dir, 'other');
    for (const p of [src, other]) {
      await mkdir(p);
      await execa('/bin/mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', p]);
    }
  });

  after(async () => {
    // Unmount every bind and tmpfs under dir, last mounted first; the dataset goes with `zfs destroy`.
    const ours = (await mounter.table()).filter((e) => e.mountPoint.startsWith(`${dir}/`) && e.mountPoint !== join(dir, 'ds'));
    for (const e of ours.reverse()) await execa('/bin/umount', [e.mountPoint], { reject: false });
    if (datasetCreated) await zfsRetry(['destroy', '-r', dataset]);
    const left = (await mounter.table()).filter((e) => e.mountPoint.startsWith(`${dir}/`));
    assert.deepEqual(left.map((e) => e.mountPoint), [], 'mounts left behind');
    await rm(dir, { recursive: true, force: true });
  });

  it('publish is idempotent and the target shows the source', async () => {
    const target = join(dir, 'rw');
    await tm.publish(src, target, false);
    await tm.publish(src, target, false);
    assert.equal(await mountsAt(target), 1);
    await writeFile(join(target, 'hello'), 'through the bind');
    assert.equal(await readFile(join(src, 'hello'), 'utf8'), 'through the bind');
    assert.equal(await tm.isPublished(src, target), true);
    assert.ok((await tm.bindsOf(src)).includes(target));
  });

  it('a read-only publish refuses writes with EROFS while the source stays writable', async () => {
    const target = join(dir, 'ro');
    await tm.publish(src, target, true);
    await assert.rejects(writeFile(join(target, 'x'), 'no'), (err: unknown) => errnoOf(err) === 'EROFS');
    await writeFile(join(src, 'still-writable'), 'yes');
    await tm.publish(src, target, true);
    await assert.rejects(tm.publish(src, target, false), code('ALREADY_EXISTS'));
    assert.equal(await mountsAt(target), 1);
  });

  it('a different source on a published target is ALREADY_EXISTS', async () => {
    const target = join(dir, 'taken');
    await tm.publish(src, target, false);
    await assert.rejects(tm.publish(other, target, false), code('ALREADY_EXISTS'));
    assert.equal(await tm.isPublished(other, target), false);
    assert.equal(await mountsAt(target), 1);
  });

  it('a symlinked target is INVALID_ARGUMENT and nothing gets mounted', async () => {
    const victim = join(dir, 'victim');
    await mkdir(victim);
    await symlink(victim, join(dir, 'link'));
    await assert.rejects(tm.publish(src, join(dir, 'link'), false), code('INVALID_ARGUMENT'));
    await assert.rejects(tm.unpublish(join(dir, 'link')), code('INVALID_ARGUMENT'));
    assert.equal(await mountsAt(victim), 0);
    assert.equal(await mountsAt(join(dir, 'link')), 0);
  });

  it('unpublish removes the mount and the directory; again is OK', async () => {
    const target = join(dir, 'gone');
    await tm.publish(src, target, false);
    await tm.unpublish(target);
    assert.equal(await mountsAt(target), 0);
    assert.equal(await exists(target), false);
    assert.equal(await readFile(join(src, 'hello'), 'utf8'), 'through the bind'); // source untouched
    await tm.unpublish(target);
  });

  it('a busy target is ABORTED, stays mounted and in place, and unpublishes once released', async () => {
    const target = join(dir, 'busy');
    await tm.publish(src, target, false);
    const handle = await open(join(target, 'hello'), 'r');
    // A process whose cwd is inside the mount makes umount(8) say "target is busy".
    const holder = execa('/bin/sleep', ['30'], { cwd: target, reject: false });
    try {
      await assert.rejects(tm.unpublish(target), code('ABORTED'));
      assert.equal(await mountsAt(target), 1);
      assert.equal(await exists(join(target, 'hello')), true);
    } finally {
      holder.kill();
      await holder;
      await handle.close();
    }
    await tm.unpublish(target);
    assert.equal(await exists(target), false);
  });

  it('stats match statfs; the hot path (isPublished + stats) spawns nothing and reads no mount table', async () => {
    const target = join(dir, 'stats');
    await tm.publish(src, target, false);
    const s = await tm.stats(target);
    const raw = await statfs(src, { bigint: true });
    assert.equal(s.totalBytes, 16n * 1024n * 1024n);
    assert.equal(s.totalBytes, raw.blocks * raw.bsize);
    assert.equal(s.totalInodes, raw.files);
    assert.equal(s.usedBytes + s.availableBytes, s.totalBytes); // tmpfs reserves nothing for root
    assert.equal(s.usedInodes, raw.files - raw.ffree);
    // NodeGetVolumeStats is a hot path (DESIGN.md §7; timing lives in `npm run bench`): reading
    // /proc/self/mountinfo costs milliseconds on a busy node, so a published target must be answered by stat.
    let tableReads = 0;
    const counting = new HostTargetManager({
      table: async () => {
        tableReads += 1;
        return mounter.table();
      },
      bind: (a, b, c, d) => mounter.bind(a, b, c, d),
      unmount: (a, b) => mounter.unmount(a, b),
    });
    assert.equal(await counting.isPublished(src, target), true);
    await counting.stats(target);
    assert.equal(tableReads, 0);
    await tm.unpublish(target);
    await assert.rejects(tm.stats(target), code('NOT_FOUND'));
    assert.equal(await counting.isPublished(src, target), false);
  });

  it('publishes a zfs-fuse dataset: data lands in the dataset, stats show its refquota', async () => {
    const mountpoint = join(dir, 'ds');
    await execa('zfs', ['create', '-o', `mountpoint=${mountpoint}`, '-o', 'refquota=64M', dataset]);
    datasetCreated = true;
    const entry = topMountAt(await mounter.table(), mountpoint);
    assert.equal(entry?.source, dataset);
    const target = join(dir, 'pod-target');
    await tm.publish(mountpoint, target, false);
    await writeFile(join(target, 'data'), 'in the dataset');
    assert.equal(await readFile(join(mountpoint, 'data'), 'utf8'), 'in the dataset');
    assert.deepEqual(await tm.bindsOf(mountpoint), [target]);
    const s = await tm.stats(target);
    const mib = Number(s.totalBytes) / 2 ** 20;
    assert.ok(mib > 60 && mib <= 64, `total ${mib} MiB`);
    assert.ok(s.usedBytes > 0n && s.availableBytes < s.totalBytes);
    await tm.unpublish(target);
    assert.deepEqual(await tm.bindsOf(mountpoint), []);
    assert.equal(await exists(target), false);
    assert.equal(await readFile(join(mountpoint, 'data'), 'utf8'), 'in the dataset');
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, stat, statfs, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MountError } from '../../src/mount/errors.js';
import type { MountEntry, Mounter } from '../../src/mount/mounter.js';
import { identityOf, topMountAt } from '../../src/mount/table-query.js';
import { HostTargetManager } from '../../src/mount/target-manager.js';

const code = (c: string) => (err: unknown) => err instanceof MountError && err.code === c;
const exists = (p: string) => stat(p).then(() => true, () => false);

/** Binds and unmounts only in memory; real directories on disk. `lies` makes unmount a no-op. */
class FakeMounter implements Mounter {
  entries: MountEntry[] = [];
  calls: string[] = [];
  lies = false;
  failBind = false;
  private next = 100;

  constructor() {
    this.add('/', '254:0', '/', false);
  }

  add(mountPoint: string, device: string, root: string, ro: boolean): void {
    const parentId = topMountAt(this.entries, mountPoint)?.id ?? 1;
    this.entries.push({
      id: this.next++, parentId, device, root, mountPoint, options: [ro ? 'ro' : 'rw'],
      fsType: 'tmpfs', source: 'fake', superOptions: [],
    });
  }

  async table(): Promise<readonly MountEntry[]> {
    return [...this.entries];
  }

  async bind(source: string, target: string, readOnly: boolean): Promise<void> {
    this.calls.push(`bind ${source} ${target} ${readOnly}`);
    if (this.failBind) throw new MountError('INTERNAL', 'mount failed');
    const id = identityOf(this.entries, source);
    assert.ok(id);
    this.add(target, id.device, id.root, readOnly);
  }

  async unmount(target: string): Promise<void> {
    this.calls.push(`unmount ${target}`);
    if (this.lies) return;
    this.entries = this.entries.filter((e) => e.mountPoint !== target);
  }
}

describe('HostTargetManager over a fake mounter', () => {
  let dir: string;
  let src: string;
  let other: string;
  let mounter: FakeMounter;
  let tm: HostTargetManager;

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'zfs-csi-tm-')));
    src = join(dir, 'src');
    other = join(dir, 'other');
    await mkdir(src);
    await mkdir(other);
    mounter = new FakeMounter();
    mounter.add(src, '0:60', '/', false);
    mounter.add(other, '0:61', '/', false);
    tm = new HostTargetManager(mounter);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('publish creates the target, binds once, and is idempotent', async () => {
    const target = join(dir, 'target');
    await tm.publish(src, target, false);
    await tm.publish(src, target, false);
    assert.deepEqual(mounter.calls, [`bind ${src} ${target} false`]);
    assert.equal(await tm.isPublished(src, target), true);
    assert.equal(await tm.isPublished(other, target), false);
    assert.deepEqual(await tm.bindsOf(src), [target]);
    assert.deepEqual(await tm.bindsOf(`${src}/`), [target]);
  });

  it('a different read-only-ness or a different source on the target is ALREADY_EXISTS', async () => {
    const target = join(dir, 'target');
    await tm.publish(src, target, true);
    await assert.rejects(tm.publish(src, target, false), code('ALREADY_EXISTS'));
    await assert.rejects(tm.publish(other, target, true), code('ALREADY_EXISTS'));
    assert.equal(mounter.calls.length, 1);
  });

  it('a missing parent is NOT_FOUND, a missing source is NOT_FOUND, an unmounted source is refused', async () => {
    await assert.rejects(tm.publish(src, join(dir, 'no', 'target'), false), code('NOT_FOUND'));
    await assert.rejects(tm.publish(join(dir, 'gone'), join(dir, 't'), false), code('NOT_FOUND'));
    const plain = join(dir, 'plain');
    await mkdir(plain);
    await assert.rejects(tm.publish(plain, join(dir, 't'), false), code('FAILED_PRECONDITION'));
    assert.equal(await exists(join(dir, 't')), false);
    await new HostTargetManager(mounter, { requireMountedSource: false }).publish(plain, join(dir, 't'), false);
    assert.equal(await tm.isPublished(plain, join(dir, 't')), true);
  });

  it('a symlinked or non-directory target is INVALID_ARGUMENT and nothing is bound', async () => {
    await symlink(other, join(dir, 'link'));
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(tm.publish(src, join(dir, 'link'), false), code('INVALID_ARGUMENT'));
    await assert.rejects(tm.publish(src, join(dir, 'file'), false), code('INVALID_ARGUMENT'));
    await assert.rejects(tm.publish(src, `${dir}/../x`, false), code('INVALID_ARGUMENT'));
    assert.deepEqual(mounter.calls, []);
  });

  it('a failed bind removes the directory it created, and only that', async () => {
    mounter.failBind = true;
    await assert.rejects(tm.publish(src, join(dir, 'new'), false), code('INTERNAL'));
    assert.equal(await exists(join(dir, 'new')), false);
    await mkdir(join(dir, 'kept'));
    await assert.rejects(tm.publish(src, join(dir, 'kept'), false), code('INTERNAL'));
    assert.equal(await exists(join(dir, 'kept')), true);
  });

  it('publish through a symlinked parent compares canonical paths (no double bind)', async () => {
    await symlink(dir, join(dir, 'alias'));
    await tm.publish(src, join(dir, 'alias', 'target'), false);
    await tm.publish(src, join(dir, 'target'), false);
    assert.equal(mounter.calls.length, 1);
    assert.deepEqual(await tm.bindsOf(join(dir, 'alias', 'src')), [join(dir, 'target')]);
  });

  it('unpublish unmounts, removes the directory, and is OK again', async () => {
    const target = join(dir, 'target');
    await tm.publish(src, target, false);
    await tm.unpublish(target);
    assert.equal(await exists(target), false);
    assert.equal(await tm.isPublished(src, target), false);
    await tm.unpublish(target);
    await tm.unpublish(join(dir, 'never', 'existed'));
    assert.deepEqual(mounter.calls, [`bind ${src} ${target} false`, `unmount ${target}`]);
  });

  it('never removes a target the table still shows mounted (§4 rule 4)', async () => {
    const target = join(dir, 'target');
    await tm.publish(src, target, false);
    mounter.lies = true;
    await assert.rejects(tm.unpublish(target), code('INTERNAL'));
    assert.equal(await exists(target), true);
  });

  it('unpublish refuses a symlink and keeps a non-empty or non-directory target', async () => {
    await symlink(src, join(dir, 'link'));
    await assert.rejects(tm.unpublish(join(dir, 'link')), code('INVALID_ARGUMENT'));
    assert.equal(await exists(join(dir, 'link')), true);
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'data'), 'precious');
    await assert.rejects(tm.unpublish(join(dir, 'full')), code('FAILED_PRECONDITION'));
    assert.equal(await exists(join(dir, 'full', 'data')), true);
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(tm.unpublish(join(dir, 'file')), code('FAILED_PRECONDITION'));
    assert.deepEqual(mounter.calls, []);
  });

  it('stats: NOT_FOUND unless mounted, then statfs numbers of the target', async () => {
    const target = join(dir, 'target');
    await mkdir(target);
    await assert.rejects(tm.stats(target), code('NOT_FOUND'));
    await assert.rejects(tm.stats(join(dir, 'no', 'target')), code('NOT_FOUND'));
    await tm.publish(src, target, false);
    const s = await tm.stats(target);
    const raw = await statfs(target, { bigint: true });
    assert.equal(s.totalBytes, raw.blocks * raw.bsize);
    assert.equal(s.totalInodes, raw.files);
    assert.ok(s.usedBytes + s.availableBytes <= s.totalBytes);
  });

  it('checkPath is the lexical rule', () => {
    assert.equal(tm.checkPath('/a//b/'), '/a/b');
    assert.throws(() => tm.checkPath('a'), code('INVALID_ARGUMENT'));
  });
});

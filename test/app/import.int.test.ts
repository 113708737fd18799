/**
 * `zfs-csi ctl import` end to end (issue #10 part 2a, docs/import.md): the real CLI against a real standalone
 * driver on the zfs-fuse pool. An imported dataset keeps its name and bytes and then lives the whole volume
 * life through gRPC (publish, expand, snapshot, list, restart, delete/retire, sweep); every refusal leaves the
 * dataset's own properties and the mount table as they were. Refused datasets are left for the cleanup:
 * zfs-fuse calls a dataset busy for a moment after mounts change.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { startDriver, type Driver } from '../support/driver.js';
import { destroyScratch, uniqueParent, zfsProp, zfsTree } from '../support/pool.js';
import { createSnapshot, createVolume, mountCap, mountsBelow, rejectsWith, targetParent } from '../conformance/support.js';

const MAIN = new URL('../../src/app/main.js', import.meta.url).pathname;
const MIB = 1n << 20n;

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
  await rm(d.dir, { recursive: true, force: true }); // the restarted driver was given the directory
});

interface Ctl {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function ctlImport(driver: Driver, ...args: string[]): Promise<Ctl> {
  const r = await execa(process.execPath, [MAIN, 'ctl', '--endpoint', driver.endpoint, 'import', ...args], { reject: false, timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Imports and returns the volume ID from `--json` (the CLI's exit status must be 0). */
async function imported(driver: Driver, ...args: string[]): Promise<string> {
  const r = await ctlImport(driver, '--json', ...args);
  assert.equal(r.exitCode, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { volumeId: string };
  assert.match(body.volumeId, /^vol-[a-z2-7]{20}$/);
  return body.volumeId;
}

const zfs = (...args: string[]) => execa('/sbin/zfs', args);

/** A dataset made the way a person would, mounted at its own place below the driver's directory. */
async function dataset(name: string, props: Record<string, string> = {}): Promise<string> {
  const full = `${d.parent}/${name}`;
  const opts = Object.entries({ mountpoint: join(d.dir, 'own', name), ...props }).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  await zfs('create', ...opts, full);
  return full;
}

/**
 * Space accounting moves without anyone setting a property: `available` with every other test's writes on
 * the pool, `referenced` and friends when zfs-fuse gets round to counting a file written just before.
 */
const ACCOUNTING = /^(available|used|usedby\w+|referenced|written|logical\w+|compressratio|refcompressratio)$/;

/** The dataset's own properties (not what it inherits from the pool root, which other tests change meanwhile). */
async function ownProps(name: string): Promise<Map<string, string>> {
  const r = await zfs('get', '-Hp', '-o', 'property,value,source', 'all', name);
  const pool = name.split('/')[0] ?? name;
  return new Map(r.stdout.split('\n').map((l) => l.split('\t'))
    .filter(([property, , source]) => source !== `inherited from ${pool}` && !ACCOUNTING.test(property ?? ''))
    .map(([property, value]) => [property ?? '', value ?? ''] as [string, string]));
}

/** Runs a refused import and checks its exit, code and message, and that nothing changed. */
async function refused(name: string, args: readonly string[], code: string, pattern: RegExp): Promise<void> {
  const before = await ownProps(name).catch(() => undefined);
  const mounts = await mountsBelow(d.dir);
  const r = await ctlImport(d, ...args);
  assert.equal(r.exitCode, 1, `${args.join(' ')}: ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`^error: ${code}: `), r.stderr);
  assert.match(r.stderr, pattern);
  if (before !== undefined) assert.deepEqual(await ownProps(name), before, `${name}: no property may change`);
  assert.deepEqual(await mountsBelow(d.dir), mounts, 'no mount may change');
}

describe('a plain dataset: imported in place, then every volume operation works on it', () => {
  let name = '';
  let id = '';

  it('gets a volume ID, keeps its name, gets the size given as refquota and the driver\'s mount place', async () => {
    name = await dataset('plain');
    id = await imported(d, name, '--name', 'plain-vol', '--size', '16Mi');
    assert.equal(await zfsProp(name, 'zfs.csi.dev:managed'), 'true');
    assert.equal(await zfsProp(name, 'zfs.csi.dev:volume-id'), id);
    assert.equal(await zfsProp(name, 'refquota'), String(16n * MIB));
    assert.equal(await zfsProp(name, 'mountpoint'), join(d.mountRoot, id));
    assert.equal(await zfsProp(name, 'mounted'), 'yes');
    assert.deepEqual(await zfsTree(d.parent), [name], 'no dataset was made, renamed or copied');
  });

  it('the same import again answers the same volume; CreateVolume of its name finds it', async () => {
    assert.equal(await imported(d, name, '--name', 'plain-vol'), id);
    const again = await createVolume(d, 'plain-vol', 16n * MIB);
    assert.equal(again.volume_id, id);
  });

  it('is listed and found with its capacity; expands; snapshots', async () => {
    const { entries } = await d.client.controller.ListVolumes({});
    assert.deepEqual(entries.map((e) => [e.volume?.volume_id, e.volume?.capacity_bytes]), [[id, String(16n * MIB)]]);
    const got = await d.client.controller.ControllerGetVolume({ volume_id: id });
    assert.equal(got.volume?.volume_id, id);
    await d.client.controller.ControllerExpandVolume({ volume_id: id, capacity_range: { required_bytes: String(32n * MIB) } });
    assert.equal(await zfsProp(name, 'refquota'), String(32n * MIB));
    const snap = await createSnapshot(d, 'plain-snap', id);
    assert.equal(snap.source_volume_id, id);
    assert.deepEqual(await zfsTree(d.parent), [name, `${name}@${snap.snapshot_id}`]);
  });

  it('its snapshot restores and it clones into new volumes, named by their IDs as usual', async () => {
    const { entries } = await d.client.controller.ListSnapshots({ source_volume_id: id });
    const snapId = entries[0]?.snapshot?.snapshot_id ?? '';
    const restored = await createVolume(d, 'plain-restored', 32n * MIB, { volume_content_source: { snapshot: { snapshot_id: snapId } } });
    assert.equal(await zfsProp(`${d.parent}/${restored.volume_id}`, 'origin'), `${name}@${snapId}`);
    const clone = await createVolume(d, 'plain-clone', 32n * MIB, { volume_content_source: { volume: { volume_id: id } } });
    assert.equal(await zfsProp(`${d.parent}/${clone.volume_id}`, 'origin'), `${name}@clone-${clone.volume_id}`);
    await d.client.controller.DeleteVolume({ volume_id: restored.volume_id });
    await d.client.controller.DeleteVolume({ volume_id: clone.volume_id });
    assert.deepEqual(await zfsTree(d.parent), [name, `${name}@${snapId}`], 'the clones and the hidden helper went');
  });

  it('survives a restart: the state rebuilt from the pool has it, with its expanded size', async () => {
    const dir = d.dir;
    await d.stop();
    d.client.close();
    d = await startDriver({ parent: d.parent, dir });
    const got = await d.client.controller.ControllerGetVolume({ volume_id: id });
    assert.equal(got.volume?.capacity_bytes, String(32n * MIB));
  });

  it('delete retires it while its snapshot lives; deleting the snapshot sweeps the data away', async () => {
    const { entries } = await d.client.controller.ListSnapshots({ source_volume_id: id });
    const snapId = entries[0]?.snapshot?.snapshot_id ?? '';
    await d.client.controller.DeleteVolume({ volume_id: id });
    assert.ok((await zfsProp(name, 'zfs.csi.dev:retired')) !== undefined, 'retired, not destroyed');
    assert.deepEqual((await d.client.controller.ListVolumes({})).entries, []);
    await d.client.controller.DeleteSnapshot({ snapshot_id: snapId });
    assert.deepEqual(await zfsTree(d.parent), [], 'the retired dataset went with its last snapshot');
  });
});

describe('a dataset with data: the bytes are there through NodePublishVolume', () => {
  it('reads back byte for byte, takes writes, and is destroyed by DeleteVolume', async () => {
    const name = await dataset('withdata', { refquota: String(64n * MIB) });
    const own = join(d.dir, 'own', 'withdata');
    const files = new Map([['a.bin', randomBytes(3 * 1024 * 1024 + 17)], ['dir/b.txt', Buffer.from('hello\nworld\n')]]);
    await mkdir(join(own, 'dir'));
    for (const [path, bytes] of files) await writeFile(join(own, path), bytes);
    const id = await imported(d, name);
    const { volume } = await d.client.controller.ControllerGetVolume({ volume_id: id });
    assert.equal(volume?.capacity_bytes, String(64n * MIB), 'its refquota is its size');
    const target = join(await targetParent(d), 'target');
    await d.client.node.NodePublishVolume({ volume_id: id, target_path: target, volume_capability: mountCap(), readonly: false });
    for (const [path, bytes] of files) assert.ok((await readFile(join(target, path))).equals(bytes), `${path} reads back unchanged`);
    await writeFile(join(target, 'new.txt'), 'after import');
    assert.equal(await readFile(join(d.mountRoot, id, 'new.txt'), 'utf8'), 'after import');
    await rejectsWith(d.client.controller.DeleteVolume({ volume_id: id }), 'FAILED_PRECONDITION', 'delete while published');
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    await d.client.controller.DeleteVolume({ volume_id: id });
    assert.deepEqual(await zfsTree(d.parent), []);
  });
});

describe('a dataset made with no options at all (mountpoint inherited from the parent: none)', () => {
  it('is mounted at the driver\'s place by the import, and publishes', async () => {
    const name = `${d.parent}/bare-${randomBytes(2).toString('hex')}`;
    await zfs('create', name);
    assert.equal(await zfsProp(name, 'mounted'), 'no');
    const id = await imported(d, name, '--size', '8Mi');
    assert.equal(await zfsProp(name, 'mounted'), 'yes');
    const target = join(await targetParent(d), 'target');
    await d.client.node.NodePublishVolume({ volume_id: id, target_path: target, volume_capability: mountCap(), readonly: false });
    await writeFile(join(target, 'f'), 'x');
    assert.equal(await readFile(join(d.mountRoot, id, 'f'), 'utf8'), 'x');
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    await d.client.controller.DeleteVolume({ volume_id: id });
    assert.deepEqual(await zfsTree(d.parent), []);
  });
});

describe('an import interrupted half-way is finished by the retry', () => {
  it('a record without the managed mark is not a volume; the retry keeps its ID and completes it', async () => {
    const name = await dataset('half', { refquota: String(8n * MIB) });
    const id = 'vol-halfhalfhalfhalfhalf';
    // What a crash after the record and the move of the mountpoint leaves (the managed mark comes last).
    await zfs('set', `zfs.csi.dev:volume-id=${id}`, name);
    await zfs('set', 'zfs.csi.dev:kind=volume', name);
    await zfs('set', `mountpoint=${join(d.mountRoot, id)}`, name);
    assert.deepEqual((await d.client.controller.ListVolumes({})).entries, [], 'not managed: not listed');
    assert.equal(await imported(d, name), id);
    assert.equal((await d.client.controller.ControllerGetVolume({ volume_id: id })).volume?.volume_id, id);
    await d.client.controller.DeleteVolume({ volume_id: id });
    assert.deepEqual(await zfsTree(d.parent), []);
  });
});

describe('refusals: clear code and message, nothing changed', () => {
  const outside = uniqueParent('imp-out');
  after(async () => {
    await destroyScratch(outside);
  });

  it('not below a configured parent, nested deeper, a snapshot: INVALID_ARGUMENT', async () => {
    await zfs('create', '-o', 'mountpoint=none', outside);
    await zfs('create', '-o', 'mountpoint=none', `${outside}/x`);
    await refused(`${outside}/x`, [`${outside}/x`, '--size', '8Mi'], 'INVALID_ARGUMENT', /not below a configured parent/);
    const top = await dataset('top', { refquota: String(8n * MIB) });
    await zfs('create', `${top}/inner`);
    await refused(`${top}/inner`, [`${top}/inner`], 'INVALID_ARGUMENT', /not a direct child of/);
    await zfs('snapshot', `${top}@s`);
    await refused(top, [`${top}@s`], 'INVALID_ARGUMENT', /snapshots cannot be imported/);
    await refused(top, [top], 'FAILED_PRECONDITION', /has child datasets/);
  });

  it('already managed (a volume the driver made), or the name of another volume: refused', async () => {
    const made = await createVolume(d, 'made', 8n * MIB);
    const madeName = `${d.parent}/${made.volume_id}`;
    await refused(madeName, [madeName], 'FAILED_PRECONDITION', /already managed by the driver \(volume vol-/);
    const other = await dataset('other', { refquota: String(8n * MIB) });
    await refused(other, [other, '--name', 'made'], 'ALREADY_EXISTS', /name "made" is taken/);
    await d.client.controller.DeleteVolume({ volume_id: made.volume_id });
  });

  it('sizes: none given without a refquota, one below what it holds, one that differs from its refquota', async () => {
    const bare = await dataset('bare');
    await writeFile(join(d.dir, 'own', 'bare', 'fill.bin'), randomBytes(2 * 1024 * 1024));
    await execa('/bin/sync');
    await refused(bare, [bare], 'INVALID_ARGUMENT', /has no refquota: give the volume's size/);
    // zfs-fuse may not count the new file in `referenced` yet: then ZFS itself refuses the refquota, as first step.
    await refused(bare, [bare, '--size', '1Mi'], 'INVALID_ARGUMENT', /is less than the \d+ bytes .* never shrunk|size is less than current used/);
    await zfs('set', `refquota=${32n * MIB}`, bare);
    await refused(bare, [bare, '--size', '16Mi'], 'INVALID_ARGUMENT', /has refquota 33554432: leave out the size/);
  });

  it('bind-mounted elsewhere, or something else mounted on its mountpoint: FAILED_PRECONDITION', async () => {
    const bound = await dataset('bound', { refquota: String(8n * MIB) });
    const elsewhere = join(d.dir, 'elsewhere');
    await mkdir(elsewhere);
    await execa('/bin/mount', ['--bind', join(d.dir, 'own', 'bound'), elsewhere]);
    try {
      await refused(bound, [bound], 'FAILED_PRECONDITION', new RegExp(`mounted at ${elsewhere}, not \\(only\\) at its mountpoint`));
    } finally {
      await execa('/bin/umount', [elsewhere]);
    }
    const covered = await dataset('covered', { refquota: String(8n * MIB), canmount: 'noauto' });
    const place = join(d.dir, 'own', 'covered');
    await mkdir(place, { recursive: true });
    await execa('/bin/mount', ['-t', 'tmpfs', 'imptmp', place]);
    try {
      await refused(covered, [covered], 'FAILED_PRECONDITION', new RegExp(`${place} has imptmp mounted on it`));
    } finally {
      await execa('/bin/umount', [place]);
    }
  });

  it('a dataset that does not exist: NOT_FOUND; a bad command line: usage, exit 2', async () => {
    await refused(`${d.parent}/nothing`, [`${d.parent}/nothing`, '--size', '8Mi'], 'NOT_FOUND', /does not exist/);
    const r = await ctlImport(d);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /the dataset to import is required[\s\S]*Usage: zfs-csi ctl import DATASET \[flags\]/);
  });
});

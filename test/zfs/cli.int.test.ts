import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ZfsCli } from '../../src/zfs/cli.js';
import { ZfsError, type ZfsErrorKind } from '../../src/zfs/errors.js';
import type { CommandEvent } from '../../src/zfs/exec.js';

/** Real zfs-fuse pool (scripts/setup-zfs.sh); this file owns only its own unique parent dataset. */
const pool = process.env.ZFS_CSI_TEST_POOL ?? 'zfscsi';
const parent = `${pool}/t-zfs-${randomBytes(4).toString('hex')}`;
const events: CommandEvent[] = [];
const zfs = new ZfsCli({ parents: [parent], busyBudgetMs: 15_000, onCommand: (e) => events.push(e) });
let mountRoot = '';

const kindIs = (...kinds: ZfsErrorKind[]) => (err: unknown): boolean => {
  assert.ok(err instanceof ZfsError, String(err));
  assert.ok(kinds.includes(err.kind), `${err.kind}: ${err.message}`);
  return true;
};
const one = async (name: string, props: string[]): Promise<ReadonlyMap<string, string>> => {
  const [info] = await zfs.get([name], props);
  assert.equal(info?.name, name);
  return info.props;
};

before(async () => {
  mountRoot = await mkdtemp(join(tmpdir(), 'zfs-int-'));
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent]);
});

after(async () => {
  // Test cleanup of our own scratch parent only; zfs-fuse may say "busy" for a moment after unmounts.
  for (let i = 0; i < 20; i += 1) {
    const r = await execa('/sbin/zfs', ['destroy', '-R', '-r', '-f', parent], { reject: false });
    if (r.exitCode === 0 || /does not exist/.test(r.stderr)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await rm(mountRoot, { recursive: true, force: true });
});

test('probe identifies zfs-fuse and its properties', async () => {
  const caps = await zfs.capabilities();
  assert.equal(caps.implementation, 'zfs-fuse');
  assert.equal(caps.multiSet, false);
  assert.match(caps.version, /^pool-\d+$/);
  for (const p of ['refquota', 'mountpoint', 'canmount', 'origin', 'defer_destroy']) assert.ok(caps.properties.has(p), p);
  assert.equal(caps.properties.has('sync'), false);
});

test('create with properties, read them back; set several properties on zfs-fuse', async () => {
  const vol = `${parent}/vol-a`;
  await zfs.create(vol, { refquota: String(64n << 20n), 'zfs.csi.dev:managed': 'true', 'zfs.csi.dev:csi-name': 'pvc with spaces' });
  const props = await one(vol, ['refquota', 'used', 'type', 'zfs.csi.dev:managed', 'zfs.csi.dev:csi-name', 'zfs.csi.dev:unset']);
  assert.equal(BigInt(props.get('refquota') ?? '0'), 64n << 20n);
  assert.ok(BigInt(props.get('used') ?? '-1') > 0n);
  assert.equal(props.get('type'), 'filesystem');
  assert.equal(props.get('zfs.csi.dev:managed'), 'true');
  assert.equal(props.get('zfs.csi.dev:csi-name'), 'pvc with spaces');
  assert.equal(props.has('zfs.csi.dev:unset'), false);

  await zfs.set(vol, { refquota: String(128n << 20n), 'zfs.csi.dev:retired': '2024-01-01T00:00:00Z' });
  const after = await one(vol, ['refquota', 'zfs.csi.dev:retired']);
  assert.equal(after.get('refquota'), String(128n << 20n));
  assert.equal(after.get('zfs.csi.dev:retired'), '2024-01-01T00:00:00Z');
});

test('snapshot with user properties, clone, and the listing with -r and -d', async () => {
  const vol = `${parent}/vol-b`;
  await zfs.create(vol, {});
  await zfs.snapshot(`${vol}@s1`, { 'zfs.csi.dev:snapshot-id': 'snap-1' });
  await zfs.clone(`${vol}@s1`, `${parent}/vol-c`, { 'zfs.csi.dev:managed': 'true' });

  const all = await zfs.get([vol], ['type', 'zfs.csi.dev:snapshot-id'], { recursive: true });
  assert.deepEqual(all.map((i) => [i.name, i.props.get('type'), i.props.get('zfs.csi.dev:snapshot-id')]), [
    [vol, 'filesystem', undefined],
    [`${vol}@s1`, 'snapshot', 'snap-1'],
  ]);
  assert.equal((await one(`${parent}/vol-c`, ['origin'])).get('origin'), `${vol}@s1`);
  const children = await zfs.get([parent], ['type'], { depth: 1 });
  assert.ok(children.some((i) => i.name === `${parent}/vol-c`));
  assert.ok(!children.some((i) => i.name.includes('@')), 'depth 1 below the parent has no snapshots of children');
});

test('destroy -d of a cloned snapshot defers; the snapshot goes with its last clone', async () => {
  const vol = `${parent}/vol-d`;
  const snap = `${vol}@s`;
  const clone = `${parent}/vol-d-clone`;
  await zfs.create(vol, {});
  await zfs.snapshot(snap, {});
  await zfs.clone(snap, clone, {});
  await assert.rejects(zfs.destroy(snap, {}), kindIs('dependents'));
  await assert.rejects(zfs.destroy(vol, {}), kindIs('dependents'));
  await zfs.destroy(snap, { defer: true });
  assert.equal((await one(snap, ['defer_destroy'])).get('defer_destroy'), 'on');
  await zfs.destroy(clone, {});
  await assert.rejects(zfs.get([snap], ['type']), kindIs('not_found'));
  await zfs.destroy(vol, {});
  await assert.rejects(zfs.get([vol], ['type']), kindIs('not_found'));
});

test('real failures are classified', async () => {
  const vol = `${parent}/vol-e`;
  await zfs.create(vol, {});
  await assert.rejects(zfs.destroy(`${parent}/missing`, {}), kindIs('not_found'));
  await assert.rejects(zfs.destroy(`${vol}@missing`, {}), kindIs('not_found'));
  await assert.rejects(zfs.create(vol, {}), kindIs('exists'));
  await assert.rejects(zfs.snapshot(`${vol}@x`, {}).then(() => zfs.snapshot(`${vol}@x`, {})), kindIs('exists'));
  await assert.rejects(zfs.create(`${parent}/vol-f`, { sync: 'disabled' }), kindIs('invalid'));
  await assert.rejects(zfs.create(`${parent}/vol-f`, { refquota: 'lots' }), kindIs('invalid'));
  await assert.rejects(zfs.set(vol, { compression: 'bogus' }), kindIs('invalid'));
  await assert.rejects(zfs.create(`${parent}/no-parent/child`, {}), kindIs('not_found'));
  await assert.rejects(zfs.set(vol, { reservation: String(1n << 50n) }), kindIs('no_space'));
  await assert.rejects(zfs.get(['nosuchpool-zfscsi/x'], ['type']), kindIs('not_found', 'pool_unavailable'));
  assert.equal(await zfs.poolHealth('nosuchpool-zfscsi'), undefined);
  assert.equal(await zfs.poolHealth(pool), 'ONLINE');
});

test('mount and unmount under a temporary mount root, both idempotent', async () => {
  const vol = `${parent}/vol-m`;
  await zfs.create(vol, { mountpoint: join(mountRoot, 'vol-m'), canmount: 'noauto' });
  await zfs.mount(vol);
  assert.equal((await one(vol, ['mounted'])).get('mounted'), 'yes');
  await zfs.mount(vol);
  await zfs.unmount(vol);
  assert.equal((await one(vol, ['mounted'])).get('mounted'), 'no');
  await zfs.unmount(vol);
  await zfs.destroy(vol, {});
});

test('onCommand sees each zfs call with its outcome', async () => {
  const before = events.length;
  await zfs.create(`${parent}/vol-o`, {});
  await assert.rejects(zfs.create(`${parent}/vol-o`, {}), kindIs('exists'));
  await zfs.destroy(`${parent}/vol-o`, {});
  const seen = events.slice(before).filter((e) => !(e.kind === 'busy'));
  assert.deepEqual(
    // On zfs-fuse a create runs as `flock <lock> /sbin/zfs create ...` (src/zfs/cli.ts mount lock).
    seen.map((e) => [e.argv.slice(e.argv.indexOf('/sbin/zfs') + 1).join(' '), e.ok, e.kind]),
    [
      [`create ${parent}/vol-o`, true, undefined],
      [`create ${parent}/vol-o`, false, 'exists'],
      [`destroy ${parent}/vol-o`, true, undefined],
    ],
  );
  assert.ok(seen.every((e) => e.argv.includes('/sbin/zfs') && e.durationMs > 0));
});

test('outside the parents, the only write is the parent mark on the pool root', async () => {
  const mark = `zfs.csi.dev:parent-${randomBytes(8).toString('hex')}`;
  await assert.rejects(zfs.set(pool, { compression: 'on' }), /not below/);
  await assert.rejects(zfs.set(pool, { [mark]: parent, compression: 'on' }), /not below/, 'a mark does not carry other properties');
  await assert.rejects(zfs.set(`${pool}/elsewhere`, { [mark]: parent }), /not below/, 'only on the pool root');
  await zfs.set(pool, { [mark]: parent });
  try {
    assert.equal((await one(pool, [mark])).get(mark), parent);
  } finally {
    await execa('/sbin/zfs', ['inherit', mark, pool]);
  }
});

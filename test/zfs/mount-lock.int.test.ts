import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ZfsCli } from '../../src/zfs/cli.js';
import { destroyScratch, uniqueParent } from '../support/pool.js';

// zfs-fuse wedges every mount when two filesystems mount at the same moment (src/zfs/cli.ts, mount lock).
// Many concurrent creates through ZfsCli must leave every dataset mounted and answering statfs.
const parent = uniqueParent('t-mountlock');
let dir: string;
const zfs = new ZfsCli({ parents: [parent] });
const commands: string[][] = [];
const observed = new ZfsCli({ parents: [parent], onCommand: (e) => commands.push([...e.argv]) });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-mountlock-'));
  await new ZfsCli().create(parent, { mountpoint: 'none' });
});
after(async () => {
  await destroyScratch(parent, [dir]);
  await rm(dir, { recursive: true, force: true });
});

test('40 concurrent creates with mountpoints all mount and answer statfs', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `${parent}/v${i}`);
  await Promise.all(names.map((n, i) => zfs.create(n, { mountpoint: join(dir, `v${i}`), refquota: '16777216' })));
  const checks = names.map((_, i) =>
    Promise.race([
      statfs(join(dir, `v${i}`)).then((s) => s.blocks > 0),
      new Promise<boolean>((res) => setTimeout(() => res(false), 5000).unref()),
    ]),
  );
  assert.deepEqual(await Promise.all(checks), names.map(() => true));
  const infos = await zfs.get(names, ['mounted']);
  assert.ok(infos.every((i) => i.props.get('mounted') === 'yes'));
});

test('on zfs-fuse, commands that mount run under the host-wide lock; others do not', async () => {
  if ((await observed.capabilities()).implementation !== 'zfs-fuse') return assert.ok(true, 'OpenZFS: no lock needed');
  await observed.create(`${parent}/locked`, { mountpoint: join(dir, 'locked') });
  await observed.snapshot(`${parent}/locked@s`, {});
  const create = commands.find((c) => c.includes('create'));
  const snap = commands.find((c) => c.includes('snapshot'));
  assert.deepEqual(create?.slice(0, 3), ['/usr/bin/flock', '/run/zfs-csi-zfs-fuse.lock', '/sbin/zfs']);
  assert.equal(snap?.[0], '/sbin/zfs');
});

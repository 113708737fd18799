/**
 * Issue #7 part 8: NodePublishVolume mounts only below --publish-root. The probe's cases (/etc, a path with a
 * newline) and the ways out of a root (.., a symlinked directory, the root itself, a relative path) are
 * INVALID_ARGUMENT before any mount: the mount table is unchanged.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { createVolume, mountCap, rejectsWith, unique } from './support.js';

let d: Driver;
let volumeId: string;
let outside: string;

before(async () => {
  d = await startDriver();
  volumeId = (await createVolume(d, unique('roots'), 16n << 20n)).volume_id;
  outside = await mkdtemp(join(tmpdir(), 'zfs-csi-outside-'));
});
after(async () => {
  await d.cleanup();
  await rm(outside, { recursive: true, force: true });
});

const publish = (target_path: string) =>
  d.client.node.NodePublishVolume({ volume_id: volumeId, target_path, volume_capability: mountCap(), readonly: false });

test('targets outside the publish roots, or with control characters, are INVALID_ARGUMENT and mount nothing', async () => {
  await symlink(outside, join(d.dir, 'escape'));
  // Only this test's places: other test files mount and unmount in parallel.
  const ours = async (): Promise<string[]> => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')
    .map((l) => l.split(' ')[4] ?? '').filter((mp) => mp === '/etc' || mp.startsWith(`${d.dir}/`) || mp.startsWith(outside)).sort();
  const before = await ours();
  const cases: Array<[string, RegExp]> = [
    ['/etc', /not below a publish root/],
    [`${d.dir}/pod\nx`, /control character/],
    [`${d.dir}/pod\u007fx`, /control character/],
    [`${d.dir}/../etc`, /"\.\." segment/],
    [d.dir, /not below a publish root/],
    ['relative/target', /not absolute/],
    [join(d.dir, 'escape', 'target'), /outside the publish roots/],
  ];
  for (const [target, why] of cases) {
    const err = await rejectsWith(publish(target), 'INVALID_ARGUMENT', JSON.stringify(target));
    assert.match(err.message, why, JSON.stringify(target));
  }
  const staged = await rejectsWith(d.client.node.NodePublishVolume({
    volume_id: volumeId, target_path: join(d.dir, 'pods', 'ok'), staging_target_path: '/etc', volume_capability: mountCap(), readonly: false,
  }), 'INVALID_ARGUMENT', 'staging_target_path /etc');
  assert.match(staged.message, /not below a publish root/);
  // Stats mounts nothing; a path that cannot hold the volume is NOT_FOUND there (csi-sanity's expectation).
  await rejectsWith(d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: '/etc' }), 'NOT_FOUND', 'stats of /etc');
  await rejectsWith(d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: '/etc' }), 'INVALID_ARGUMENT', 'unpublish of /etc');
  assert.deepEqual(await ours(), before, 'no mount was made or removed');
});

test('a target below the root is published and unpublished as before', async () => {
  const target = join(d.dir, 'pods', 'p1');
  await mkdir(join(d.dir, 'pods'), { recursive: true });
  await publish(target);
  assert.ok((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${target} `));
  await d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });
});

/**
 * Honest health (issue #7) on real zfs-fuse through gRPC: each fault is made by hand, as an operator or a
 * failing disk would, and the CSI condition must name it. ControllerGetVolume / ListVolumes read the dataset,
 * the pool and the mount table; NodeGetVolumeStats reads the mount and the node's cached pool health. Faults
 * that break a pool use a pool of this test's own (never the shared one).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { startDriver, type Driver } from '../support/driver.js';
import { createMirrorPool, type MirrorPool } from './mirror-pool.js';
import { createVolume, datasetOf, mountCap, rejectsWith, targetParent, unique } from './support.js';

const ZFS_TIMEOUT_MS = 60_000;

async function publish(d: Driver, volumeId: string, target: string): Promise<void> {
  await d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: mountCap(), readonly: false });
}

async function condition(d: Driver, volumeId: string) {
  const r = await d.client.controller.ControllerGetVolume({ volume_id: volumeId });
  return { ...r.status?.volume_condition, published: r.status?.published_node_ids };
}

async function listed(d: Driver, volumeId: string) {
  const r = await d.client.controller.ListVolumes({ max_entries: 0, starting_token: '' });
  const e = r.entries.find((x) => x.volume?.volume_id === volumeId);
  assert.ok(e, `ListVolumes lists ${volumeId}`);
  return e.status?.volume_condition;
}

/** zfs-fuse answers "dataset is busy" for a moment after mounts change: retried, as test cleanup does. */
async function zfsRetry(args: readonly string[]): Promise<void> {
  let stderr = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await execa('/sbin/zfs', args, { reject: false, timeout: ZFS_TIMEOUT_MS, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0) return;
    stderr = r.stderr;
    await new Promise((res) => setTimeout(res, 300));
  }
  assert.fail(`zfs ${args.join(' ')}: ${stderr}`);
}

/** Polls NodeGetVolumeStats until its condition matches (the node's pool health refreshes every second here). */
async function statsUntil(d: Driver, volumeId: string, path: string, pattern: RegExp) {
  let last = '';
  for (let i = 0; i < 50; i++) {
    const r = await d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: path });
    last = JSON.stringify(r.volume_condition);
    if (pattern.test(r.volume_condition?.message ?? '')) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail(`NodeGetVolumeStats condition never matched ${pattern}: last ${last}`);
}

describe('on the shared pool: dataset destroyed by hand, bind mount removed by hand', () => {
  let d: Driver;
  before(async () => {
    d = await startDriver();
  });
  after(async () => {
    await d.cleanup();
  });

  it('a healthy volume is normal, published nowhere; published, it names this node', async () => {
    const id = (await createVolume(d, unique('ok'))).volume_id;
    assert.deepEqual(await condition(d, id), { abnormal: false, message: 'dataset is present and mounted; pool is ONLINE', published: [] });
    const target = join(await targetParent(d), 'target');
    await publish(d, id, target);
    assert.deepEqual((await condition(d, id)).published, [d.nodeId]);
    const stats = await d.client.node.NodeGetVolumeStats({ volume_id: id, volume_path: target });
    assert.equal(stats.volume_condition?.abnormal, false);
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    assert.deepEqual((await condition(d, id)).published, []);
  });

  it('dataset destroyed by hand → abnormal "dataset … is missing" in ControllerGetVolume and ListVolumes', async () => {
    const id = (await createVolume(d, unique('gone'))).volume_id;
    await zfsRetry(['destroy', datasetOf(d, id)]);
    const got = await condition(d, id);
    assert.equal(got.abnormal, true);
    assert.equal(got.message, `dataset ${datasetOf(d, id)} is missing`);
    assert.deepEqual(await listed(d, id), { abnormal: true, message: `dataset ${datasetOf(d, id)} is missing` });
  });

  it('dataset unmounted by hand → abnormal "not mounted"', async () => {
    const id = (await createVolume(d, unique('unmounted'))).volume_id;
    await zfsRetry(['unmount', datasetOf(d, id)]);
    const got = await condition(d, id);
    assert.equal(got.abnormal, true);
    assert.match(got.message ?? '', /is not mounted at /);
  });

  it('bind mount removed by hand under a published target → NodeGetVolumeStats abnormal; unpublish still cleans up', async () => {
    const id = (await createVolume(d, unique('bind'))).volume_id;
    const target = join(await targetParent(d), 'target');
    await publish(d, id, target);
    await execa('/bin/umount', [target]);
    const stats = await d.client.node.NodeGetVolumeStats({ volume_id: id, volume_path: target });
    assert.equal(stats.volume_condition?.abnormal, true);
    assert.equal(stats.volume_condition?.message, `target ${target} is no longer a mount of volume ${id} (unmounted outside the driver?)`);
    assert.ok(stats.usage.some((u) => u.unit === 'BYTES' && BigInt(u.total) > 0n), 'usage of the dataset itself');
    assert.deepEqual((await condition(d, id)).published, [], 'the controller sees no publication either');
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    assert.equal(existsSync(target), false);
    await rejectsWith(d.client.node.NodeGetVolumeStats({ volume_id: id, volume_path: target }), 'NOT_FOUND', 'stats after unpublish');
  });
});

describe('on a pool of its own: DEGRADED, then exported', () => {
  let pool: MirrorPool;
  let d: Driver;
  let id = '';
  let target = '';
  before(async () => {
    pool = await createMirrorPool(unique('zhealth'));
    d = await startDriver({ parent: pool.parent, extraArgs: ['--health-interval', '1'] });
    id = (await createVolume(d, unique('deg'), 32n << 20n)).volume_id; // the pool is 128 MiB
    target = join(await targetParent(d), 'target');
    await publish(d, id, target);
  });
  after(async () => {
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target }).catch(() => undefined);
    await d.cleanup();
    const problem = await pool.destroy();
    assert.equal(problem, undefined, problem);
  });

  it('ONLINE: normal everywhere', async () => {
    assert.equal((await condition(d, id)).abnormal, false);
    await statsUntil(d, id, target, /^volume is mounted and its filesystem answers statfs$/);
  });

  it('one side of the mirror offlined → abnormal naming DEGRADED (controller at once, node from its cache)', async () => {
    await pool.offlineOne();
    const got = await condition(d, id);
    assert.deepEqual({ abnormal: got.abnormal, message: got.message }, { abnormal: true, message: `pool ${pool.pool} is DEGRADED` });
    const stats = await statsUntil(d, id, target, /DEGRADED/);
    assert.deepEqual(stats.volume_condition, { abnormal: true, message: `pool ${pool.pool} is DEGRADED` });
    assert.equal(stats.usage.length, 2, 'usage still reported: the data is served');
  });

  it('pool exported → abnormal "not imported"', async () => {
    await d.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    await pool.exportPool();
    const got = await condition(d, id);
    assert.deepEqual({ abnormal: got.abnormal, message: got.message }, { abnormal: true, message: `pool ${pool.pool} is not imported` });
    assert.deepEqual(await listed(d, id), { abnormal: true, message: `pool ${pool.pool} is not imported` });
  });
});

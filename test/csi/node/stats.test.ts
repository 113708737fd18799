import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeVolumeHealth } from '../../../src/csi/node/deps.js';
import { nodeService } from '../../../src/csi/node/index.js';
import { codeOf, fakeContext, fakeNode, VOL } from './fakes.js';

const TARGET = '/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount';

function setup(health?: NodeVolumeHealth) {
  const node = fakeNode();
  node.targets.binds.set(TARGET, { source: VOL.mountpoint, readOnly: false });
  // Beyond 2^53: the conversion must stay exact (bigint → decimal string, never through number).
  node.targets.statsResult = {
    totalBytes: 18014398509481985n,
    availableBytes: 18014398509481000n,
    usedBytes: 985n,
    totalInodes: 9007199254740993n,
    freeInodes: 9007199254740990n,
    usedInodes: 3n,
  };
  const svc = nodeService({ nodeId: 'node-a', volumes: node.lookup, targets: node.targets, ...(health ? { health } : {}) });
  const stats = (volume_id: string, volume_path: string) =>
    svc.NodeGetVolumeStats.handle({ volume_id, volume_path, staging_target_path: '' }, fakeContext());
  return { ...node, stats };
}

test('stats: bytes and inodes as exact decimal strings, condition normal', async () => {
  const { targets, stats } = setup();
  assert.deepEqual(await stats('vol-1', TARGET), {
    usage: [
      { unit: 'BYTES', total: '18014398509481985', available: '18014398509481000', used: '985' },
      { unit: 'INODES', total: '9007199254740993', available: '9007199254740990', used: '3' },
    ],
    volume_condition: { abnormal: false, message: 'volume is mounted and its filesystem answers statfs' },
  });
  assert.ok(targets.calls.includes(`stats ${TARGET}`));
});

test('stats: the dataset mountpoint itself is a valid volume_path', async () => {
  const { targets, stats } = setup();
  const res = await stats('vol-1', VOL.mountpoint);
  assert.equal(res.usage?.length, 2);
  assert.ok(targets.calls.includes(`stats ${VOL.mountpoint}`));
});

test('stats: missing volume_id or volume_path is INVALID_ARGUMENT and touches nothing', async () => {
  for (const [id, path] of [['', TARGET], ['vol-1', '']] as const) {
    const { lookup, targets, stats } = setup();
    assert.equal(await codeOf(stats(id, path)), 'INVALID_ARGUMENT');
    assert.deepEqual(lookup.calls, []);
    assert.deepEqual(targets.calls, []);
  }
});

test('stats: unknown volume is NOT_FOUND without statfs', async () => {
  const { targets, stats } = setup();
  assert.equal(await codeOf(stats('vol-404', TARGET)), 'NOT_FOUND');
  assert.equal(targets.calls.some((c) => c.startsWith('stats')), false);
});

test('stats: a path where the volume is not mounted is NOT_FOUND without statfs', async () => {
  const { targets, stats } = setup();
  targets.binds.set('/pods/other/mount', { source: '/var/lib/zfs-csi/mounts/vol-2', readOnly: false });
  assert.equal(await codeOf(stats('vol-1', '/pods/unmounted/mount')), 'NOT_FOUND');
  assert.equal(await codeOf(stats('vol-1', '/pods/other/mount')), 'NOT_FOUND');
  assert.equal(targets.calls.some((c) => c.startsWith('stats')), false);
});

test('stats: a target this node published whose mount is gone is abnormal, with the dataset\'s usage', async () => {
  const { targets, stats } = setup();
  targets.known.set(TARGET, VOL.mountpoint);
  targets.binds.delete(TARGET); // umount by hand
  const res = await stats('vol-1', TARGET);
  assert.equal(res.volume_condition?.abnormal, true);
  assert.match(res.volume_condition?.message ?? '', /target .*pvc-1\/mount is no longer a mount of volume vol-1/);
  assert.equal(res.usage?.length, 2, 'usage of the dataset mountpoint (kubelet ignores a response without usage)');
  assert.ok(targets.calls.includes(`stats ${VOL.mountpoint}`));
  assert.equal(targets.calls.includes(`stats ${TARGET}`), false, 'never statfs of the unmounted target (host fs)');
});

test('stats: a lost target whose dataset is unmounted too says so, without usage', async () => {
  const { targets, stats } = setup();
  targets.known.set(TARGET, VOL.mountpoint);
  targets.binds.delete(TARGET);
  targets.statsFail.add(VOL.mountpoint);
  const res = await stats('vol-1', TARGET);
  assert.equal(res.volume_condition?.abnormal, true);
  assert.match(res.volume_condition?.message ?? '', /not mounted at \/var\/lib\/zfs-csi\/mounts\/vol-1 either/);
  assert.deepEqual(res.usage, []);
});

test('stats: a target seen mounted by an earlier stats call is known afterwards (learnt after a restart)', async () => {
  const { targets, stats } = setup();
  assert.equal((await stats('vol-1', TARGET)).volume_condition?.abnormal, false);
  targets.binds.delete(TARGET);
  assert.equal((await stats('vol-1', TARGET)).volume_condition?.abnormal, true);
});

test('stats: after unpublish the target is NOT_FOUND again, not abnormal', async () => {
  const { targets, stats } = setup();
  targets.known.set(TARGET, VOL.mountpoint);
  await targets.unpublish(TARGET);
  assert.equal(await codeOf(stats('vol-1', TARGET)), 'NOT_FOUND');
});

test('stats: the cached pool condition is reported on a healthy mount, without any extra call', async () => {
  const seen: string[] = [];
  const health: NodeVolumeHealth = {
    conditionOf: (v) => {
      seen.push(v.dataset);
      return { abnormal: true, message: 'pool tank is DEGRADED' };
    },
  };
  const { stats } = setup(health);
  const res = await stats('vol-1', TARGET);
  assert.deepEqual(res.volume_condition, { abnormal: true, message: 'pool tank is DEGRADED' });
  assert.equal(res.usage?.length, 2);
  assert.deepEqual(seen, ['tank/csi/vol-1']);
});

test('stats: a health source that knows nothing wrong leaves the condition normal', async () => {
  const { stats } = setup({ conditionOf: () => undefined });
  assert.equal((await stats('vol-1', TARGET)).volume_condition?.abnormal, false);
});

test('stats: a volume missing from its path while its pool is not imported is UNAVAILABLE, not NOT_FOUND (§4 rule 6)', async () => {
  const away = setup({ conditionOf: () => undefined, unavailable: () => 'pool tank is not imported' });
  await away.targets.unpublish(TARGET);
  assert.equal(await codeOf(away.stats('vol-1', TARGET)), 'UNAVAILABLE');
  const present = setup({ conditionOf: () => undefined, unavailable: () => undefined });
  await present.targets.unpublish(TARGET);
  assert.equal(await codeOf(present.stats('vol-1', TARGET)), 'NOT_FOUND');
});

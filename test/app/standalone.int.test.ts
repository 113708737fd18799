import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';

const CAP = [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }];
let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

test('a volume becomes a dataset with its quota, a retry returns the same volume, delete leaves nothing', async () => {
  const { volume } = await d.client.controller.CreateVolume({
    name: 'smoke',
    capacity_range: { required_bytes: String(64 << 20) },
    volume_capabilities: CAP,
  });
  assert.ok(volume);
  const dataset = `${d.parent}/${volume.volume_id}`;
  assert.equal(await zfsProp(dataset, 'refquota'), String(64 << 20));
  assert.deepEqual(await zfsTree(d.parent), [dataset]);
  const again = await d.client.controller.CreateVolume({
    name: 'smoke',
    capacity_range: { required_bytes: String(64 << 20) },
    volume_capabilities: CAP,
  });
  assert.equal(again.volume?.volume_id, volume.volume_id);
  await d.client.controller.DeleteVolume({ volume_id: volume.volume_id });
  assert.deepEqual(await zfsTree(d.parent), []);
});

test('SIGTERM lets an in-flight call finish, then the process exits 0', async () => {
  const own = await startDriver({ logLevel: 'info' });
  try {
    const call = own.client.controller.CreateVolume({
      name: 'drain',
      capacity_range: { required_bytes: String(64 << 20) },
      volume_capabilities: CAP,
    });
    // SIGTERM only once the server has the call (its start is logged), so the call is truly in flight.
    while (!own.logs().includes('"method":"CreateVolume"')) await new Promise((r) => setTimeout(r, 2));
    const stopped = own.stop();
    const { volume } = await call;
    await stopped;
    assert.ok(volume);
    assert.ok(volume.volume_id.startsWith('vol-'));
    assert.equal(own.exitCode(), 0);
    assert.deepEqual(await zfsTree(own.parent), [`${own.parent}/${volume.volume_id}`]);
  } finally {
    await own.cleanup();
  }
});

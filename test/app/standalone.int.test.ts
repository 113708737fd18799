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

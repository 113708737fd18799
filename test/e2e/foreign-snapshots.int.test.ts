/**
 * Snapshots the driver did not make, Kubernetes mode end to end (issue #10 part 3): CreateVolume, ModifyVolume
 * and DeleteVolume over gRPC to the controller process, the policy carried in the ZfsVolume to node-b's agent,
 * snapshots made by hand on node-b's zfs-fuse pool. Each case ends with nothing of the volume on the pool.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { zfsTree } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import { createVolume, DEADLINE } from './csi.js';

let k: E2eCluster;
before(async () => {
  k = await E2eCluster.start();
});
after(async () => {
  await k.cleanup();
});

const zfs = (...args: string[]) => execa('/sbin/zfs', args);
const leftOf = async (dataset: string): Promise<string[]> =>
  (await zfsTree(k.b.pool.parent)).filter((n) => n === dataset || n.startsWith(`${dataset}@`));

test('foreignSnapshots=destroy from the StorageClass: DeleteVolume destroys the hand-made snapshots and the volume', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-foreign-destroy', node: k.b.name, params: { foreignSnapshots: 'destroy' } });
  assert.equal((await k.volume(v.id))?.spec.foreignSnapshots, 'destroy', 'the policy travels in the spec');
  const dataset = `${k.b.pool.parent}/${v.id}`;
  await zfs('snapshot', `${dataset}@zfs-auto-snap_hourly`);
  await k.controller.client.controller.DeleteVolume({ volume_id: v.id }, DEADLINE);
  assert.deepEqual(await leftOf(dataset), []);
});

test('keep, changed to destroy by ControllerModifyVolume: the agent records it, and DeleteVolume then destroys', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-foreign-modify', node: k.b.name });
  await k.controller.client.controller.ControllerModifyVolume({ volume_id: v.id, mutable_parameters: { foreignSnapshots: 'destroy' } }, DEADLINE);
  assert.equal((await k.volume(v.id))?.status?.appliedParameters?.foreignSnapshots, 'destroy');
  const dataset = `${k.b.pool.parent}/${v.id}`;
  await zfs('snapshot', `${dataset}@by-hand`);
  await k.controller.client.controller.DeleteVolume({ volume_id: v.id }, DEADLINE);
  assert.deepEqual(await leftOf(dataset), []);
});

test('keep (default): DeleteVolume answers OK, the volume is retired with its snapshot and reported in status', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-foreign-keep', node: k.b.name });
  const dataset = `${k.b.pool.parent}/${v.id}`;
  await zfs('snapshot', `${dataset}@sanoid`);
  await k.controller.client.controller.DeleteVolume({ volume_id: v.id }, DEADLINE);
  assert.deepEqual(await leftOf(dataset), [dataset, `${dataset}@sanoid`]);
  const held = await k.volume(v.id);
  assert.deepEqual(held?.status?.heldByForeignSnapshots?.snapshots, ['sanoid']);
  assert.equal(held?.status?.heldByForeignSnapshots?.reason, 'kept');
  // The operator's step; the agent's next sweep (600 s here) would destroy the volume, as agent tests show.
  await zfs('destroy', `${dataset}@sanoid`);
});

/**
 * Issue #8 end to end in Kubernetes mode: controller and two agents as processes under the chart's RBAC
 * and admission policy, each agent with its own transfer certificate. A PVC restored from node-b's snapshot
 * with a topology of node-a only: CreateVolume answers ABORTED while the copy runs (the external-provisioner
 * retries), then the volume is on node-a, cloned from the copy, with the data of the snapshot.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeTransfer } from '../../src/store/kube/decode.js';
import { PLURAL } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import { createSnapshot, createVolume, createVolumeRetrying, publish, readThroughPublish, unpublish, writeSynced, type VolumeArgs } from './csi.js';
import { join } from 'node:path';

let k: E2eCluster;
before(async () => {
  k = await E2eCluster.start({ sizeA: '1G', transfers: true });
});
after(async () => {
  await k.cleanup();
});

const createRetrying = (args: VolumeArgs): ReturnType<typeof createVolumeRetrying> => createVolumeRetrying(k.controller.client, args);

test('a restore on node-a of node-b\'s snapshot: a copy by ZfsTransfer, then a clone of it with the snapshot\'s data', async () => {
  const src = await createVolume(k.controller.client, { name: 'pvc-origin', node: k.b.name, bytes: 256n << 20n });
  const target = await publish(k.b, src.id);
  const content = `on ${k.b.name} at ${new Date().toISOString()}\n`.repeat(4096);
  await writeSynced(join(target, 'data.txt'), content);
  await unpublish(k.b, src.id, target);
  const snapshot = await createSnapshot(k.controller.client, 'vs-origin', src.id);

  const { volume } = await createRetrying({ name: 'pvc-restored', node: k.a.name, source: { snapshot }, bytes: 256n << 20n });
  assert.equal(volume.node, k.a.name);
  const copy = `${k.a.pool.parent}/${src.id}@${snapshot}`;
  assert.equal(await zfsProp(`${k.a.pool.parent}/${volume.id}`, 'origin'), copy, 'cloned from the copy on node-a');
  assert.equal(await zfsProp(copy, 'guid'), await zfsProp(`${k.b.pool.parent}/${src.id}@${snapshot}`, 'guid'));
  assert.equal(await readThroughPublish(k.a, volume.id, 'data.txt'), content);

  const transfers = (await k.api.list(PLURAL.transfer)).items.flatMap((raw) => decodeTransfer(raw) ?? []);
  assert.equal(transfers.length, 1, 'one copy for the restore and its retries');
  const t = transfers[0];
  assert.equal(t?.spec.nodeName, k.b.name);
  assert.equal(t?.spec.targetNode, k.a.name);
  assert.equal(t?.status?.phase, 'Succeeded');
  assert.equal(t?.status?.mode, 'full');
  assert.equal(t?.status?.targetSnapshot, copy);

  // A second restore of the same snapshot on node-a uses the same copy: no second transfer, no ABORTED.
  const again = await createRetrying({ name: 'pvc-restored-2', node: k.a.name, source: { snapshot }, bytes: 256n << 20n });
  assert.deepEqual(again.aborted, []);
  assert.equal(await zfsProp(`${k.a.pool.parent}/${again.volume.id}`, 'origin'), copy);
  assert.equal((await k.api.list(PLURAL.transfer)).items.length, 1);
});

test('deleting everything through the controller, the snapshot first, leaves nothing on either node and no ZfsTransfer', async () => {
  const listed = await k.controller.client.controller.ListSnapshots({});
  for (const e of listed.entries) await k.controller.client.controller.DeleteSnapshot({ snapshot_id: e.snapshot?.snapshot_id ?? '' });
  const volumes = await k.controller.client.controller.ListVolumes({});
  // The copy is marked for a deferred destroy by now: it goes with the last restore cloned from it.
  for (const e of volumes.entries) await k.controller.client.controller.DeleteVolume({ volume_id: e.volume?.volume_id ?? '' });
  const children = async (parent: string): Promise<string[]> => (await zfsTree(parent)).filter((d) => d !== parent);
  for (const parent of [k.a.pool.parent, k.b.pool.parent]) {
    await poll(() => children(parent), (left) => left.length === 0, 30_000, `nothing left under ${parent}`);
  }
  await poll(async () => (await k.api.list(PLURAL.transfer)).items.length, (count) => count === 0, 10_000, 'no ZfsTransfer left');
});

/**
 * End to end in Kubernetes mode (issue 3 §6): controller and two agents as separate processes over gRPC,
 * one API server, one zfs-fuse pool per node. One volume's life from placement by topology to deletion,
 * with its snapshot, restore, clone and expansion; capacity exhaustion on the small node; a resource
 * deleted by hand keeping its data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { FINALIZER, NODE_LABEL, PLURAL } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import {
  createSnapshot, createVolume, DEADLINE, expectCode, listedSnapshotIds, listedVolumeIds, MiB, publish,
  readThroughPublish, unpublish, volumeRequest, writeSynced,
} from './csi.js';

const FILE = 'data.txt';
const CONTENT = `written on node-b at ${new Date().toISOString()}\n`;

let k: E2eCluster;
/** What the scenarios make, in the order they make it. */
const ids = { volume: '', target: '', snapshot: '', restore: '', clone: '', big: '' };

before(async () => {
  k = await E2eCluster.start();
});
after(async () => {
  await k.cleanup();
});

const datasetOnB = (id: string): string => `${k.b.pool.parent}/${id}`;

test('CreateVolume with strict topology node-b: accessible_topology node-b, dataset in node-b\'s pool, ZfsVolume Ready', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-main', node: k.b.name });
  ids.volume = v.id;
  assert.equal(v.node, k.b.name);
  assert.equal(v.bytes, 32n * MiB);
  assert.equal(await zfsProp(datasetOnB(v.id), 'type'), 'filesystem');
  assert.equal(await zfsProp(datasetOnB(v.id), 'refquota'), String(32n * MiB));
  assert.deepEqual(await zfsTree(k.a.pool.parent), [], 'nothing on node-a');
  const r = await k.volume(v.id);
  assert.equal(r?.status?.phase, 'Ready');
  assert.equal(r?.status?.dataset, datasetOnB(v.id));
  assert.equal(r?.status?.mountpoint, join(k.b.mountRoot, v.id));
  assert.equal(r?.spec.nodeName, k.b.name);
  assert.equal(r?.metadata.labels?.[NODE_LABEL], k.b.name);
  assert.deepEqual(r?.metadata.finalizers, [FINALIZER]);
  // The CO's retry of the same request is the same volume (CSI idempotency through the resource).
  const again = await createVolume(k.controller.client, { name: 'pvc-main', node: k.b.name });
  assert.equal(again.id, v.id);
  assert.deepEqual(await listedVolumeIds(k.controller.client), [v.id]);
});

test('publish on node-b and write a file; node-a\'s agent does not know the volume', async () => {
  ids.target = await publish(k.b, ids.volume);
  await writeSynced(join(ids.target, FILE), CONTENT);
  assert.equal(await readFile(join(ids.target, FILE), 'utf8'), CONTENT);
  await expectCode(
    k.a.agent.client.node.NodePublishVolume({ volume_id: ids.volume, target_path: join(k.a.dir, 'pods', 'x'), volume_capability: { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }, readonly: false }),
    'NOT_FOUND', 'publish on the wrong node',
  );
});

test('CreateSnapshot: ZfsSnapshot readyToUse on node-b, the ZFS snapshot beside its volume', async () => {
  ids.snapshot = await createSnapshot(k.controller.client, 'snap-main', ids.volume);
  const s = await k.snapshot(ids.snapshot);
  assert.equal(s?.status?.readyToUse, true);
  assert.equal(s?.status?.phase, 'Ready');
  assert.equal(s?.spec.nodeName, k.b.name);
  assert.equal(s?.status?.zfsName, `${datasetOnB(ids.volume)}@${ids.snapshot}`);
  assert.equal(await zfsProp(`${datasetOnB(ids.volume)}@${ids.snapshot}`, 'type'), 'snapshot');
  assert.deepEqual(await listedSnapshotIds(k.controller.client), [ids.snapshot]);
});

test('restore from the snapshot: placed on node-b beside it, the file is there', async () => {
  const r = await createVolume(k.controller.client, { name: 'pvc-restore', source: { snapshot: ids.snapshot } });
  ids.restore = r.id;
  assert.equal(r.node, k.b.name);
  assert.equal(await zfsProp(datasetOnB(r.id), 'origin'), `${datasetOnB(ids.volume)}@${ids.snapshot}`);
  assert.equal(await readThroughPublish(k.b, r.id, FILE), CONTENT);
  assert.equal((await k.volume(r.id))?.status?.phase, 'Ready');
});

test('clone from the volume: on node-b, the file is there; a requisite of node-a is RESOURCE_EXHAUSTED', async () => {
  await expectCode(
    k.controller.client.controller.CreateVolume(volumeRequest({ name: 'pvc-clone-a', node: k.a.name, source: { volume: ids.volume } }), DEADLINE),
    'RESOURCE_EXHAUSTED', 'clone required on the other node',
  );
  const c = await createVolume(k.controller.client, { name: 'pvc-clone', source: { volume: ids.volume } });
  ids.clone = c.id;
  assert.equal(c.node, k.b.name);
  assert.equal(await readThroughPublish(k.b, c.id, FILE), CONTENT);
});

test('ControllerExpandVolume: refquota on node-b\'s pool and status.capacityBytes follow', async () => {
  const r = await k.controller.client.controller.ControllerExpandVolume(
    { volume_id: ids.volume, capacity_range: { required_bytes: String(64n * MiB) } }, DEADLINE,
  );
  assert.equal(r.capacity_bytes, String(64n * MiB));
  assert.equal(r.node_expansion_required, false);
  assert.equal(await zfsProp(datasetOnB(ids.volume), 'refquota'), String(64n * MiB));
  const v = await k.volume(ids.volume);
  assert.equal(v?.status?.capacityBytes, String(64n * MiB));
  assert.equal(v?.status?.observedGeneration, v?.metadata.generation);
  assert.equal(await readFile(join(ids.target, FILE), 'utf8'), CONTENT, 'still readable in the pod');
});

test('capacity exhaustion: larger than node-a\'s pool → RESOURCE_EXHAUSTED and no resource; it fits on node-b', async () => {
  const bytes = 200n * MiB;
  assert.ok((await k.capacityOf(k.a)) < bytes, 'node-a\'s pool is smaller than the volume');
  assert.ok((await k.capacityOf(k.b)) > bytes, 'node-b\'s pool can hold it');
  const before = await k.resourceNames();
  await expectCode(
    k.controller.client.controller.CreateVolume(volumeRequest({ name: 'pvc-big', bytes, node: k.a.name }), DEADLINE),
    'RESOURCE_EXHAUSTED', 'a volume larger than node-a',
  );
  assert.deepEqual(await k.resourceNames(), before, 'refused before any resource was written');
  assert.deepEqual(await zfsTree(k.a.pool.parent), []);
  // The scheduler picks the other node; the CO retries the same name there.
  const big = await createVolume(k.controller.client, { name: 'pvc-big', bytes, node: k.b.name });
  ids.big = big.id;
  assert.equal(big.node, k.b.name);
  assert.equal(await zfsProp(datasetOnB(big.id), 'refquota'), String(bytes));
});

test('a ZfsVolume deleted by hand (no DeleteVolume) keeps its dataset and data; a Warning Event says so', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-by-hand', node: k.a.name });
  const target = await publish(k.a, v.id);
  await writeSynced(join(target, FILE), 'keep me\n');
  await unpublish(k.a, v.id, target);
  const mountpoint = (await k.volume(v.id))?.status?.mountpoint ?? '';
  await k.api.delete(PLURAL.volume, v.id);
  await poll(() => k.volume(v.id), (x) => x === undefined, 15_000, `ZfsVolume ${v.id} gone`);
  const dataset = `${k.a.pool.parent}/${v.id}`;
  assert.equal(await zfsProp(dataset, 'type'), 'filesystem', 'the dataset is kept (DESIGN.md §4 rule 7)');
  assert.equal(await readFile(join(mountpoint, FILE), 'utf8'), 'keep me\n', 'and so is its data');
  await expectCode(k.controller.client.controller.ControllerGetVolume({ volume_id: v.id }), 'NOT_FOUND', 'gone for the CO');
  if (k.target.fake) {
    const events = await k.target.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
    assert.ok(events.items.some((e) => e.reason === 'DeletedWithoutIntent' && e.involvedObject.name === v.id && e.type === 'Warning'));
  }
});

test('deleting everything through the controller leaves no dataset on node-b and no resource', async () => {
  await expectCode(k.controller.client.controller.DeleteVolume({ volume_id: ids.volume }, DEADLINE), 'FAILED_PRECONDITION', 'a published volume');
  assert.equal((await k.volume(ids.volume))?.status?.phase, 'Ready', 'untouched');
  await unpublish(k.b, ids.volume, ids.target);
  for (const id of [ids.volume, ids.clone, ids.big]) await k.controller.client.controller.DeleteVolume({ volume_id: id }, DEADLINE);
  await k.controller.client.controller.DeleteSnapshot({ snapshot_id: ids.snapshot }, DEADLINE);
  await k.controller.client.controller.DeleteVolume({ volume_id: ids.restore }, DEADLINE);
  assert.deepEqual(await listedVolumeIds(k.controller.client), []);
  assert.deepEqual(await listedSnapshotIds(k.controller.client), []);
  await poll(() => zfsTree(k.b.pool.parent), (t) => t.length === 0, 15_000, 'node-b\'s parent empty');
  await poll(() => k.resourceNames(), (r) => r.volumes.length === 0 && r.snapshots.length === 0, 15_000, 'no resources left');
  assert.equal((await zfsTree(k.a.pool.parent)).length, 1, 'only the hand-deleted volume\'s dataset is left, as drift');
});

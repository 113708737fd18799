import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FINALIZER, PLURAL } from '../../src/store/kube/resources.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { AgentBench, MiB, NO_MOUNT } from './harness.js';

let b: AgentBench;
before(async () => {
  b = await AgentBench.create();
  b.startAgent();
  await b.agent?.whenAdopted();
});
after(async () => {
  await b.cleanup();
});

test('a ZfsVolume becomes a dataset with its quota, the finalizer and Ready status', async () => {
  const id = await b.createVolume({ bytes: 48n * MiB });
  const v = await b.waitReady(id);
  const dataset = `${b.parent}/${id}`;
  assert.deepEqual(v?.metadata.finalizers, [FINALIZER]);
  assert.equal(v?.status?.capacityBytes, String(48n * MiB));
  assert.equal(v?.status?.dataset, dataset);
  assert.equal(v?.status?.mountpoint, `${b.mountRoot}/${id}`);
  assert.equal(v?.status?.code, undefined);
  assert.equal(await zfsProp(dataset, 'refquota'), String(48n * MiB));
  if (!NO_MOUNT) assert.equal(await zfsProp(dataset, 'mounted'), 'yes');
  assert.deepEqual(await b.agent?.nodeLookup().lookup(id), { dataset, mountpoint: `${b.mountRoot}/${id}`, capacityBytes: 48n * MiB });
});

test('a snapshot, a restore from it and a clone of the volume', async () => {
  const src = await b.createVolume();
  await b.waitReady(src);
  const snap = await b.createSnapshot(src);
  const s = await b.waitSnapshot(snap, (x) => x?.status?.readyToUse === true);
  assert.equal(s?.status?.zfsName, `${b.parent}/${src}@${snap}`);
  assert.equal(s?.status?.sizeBytes, String(32n * MiB));
  assert.deepEqual(s?.metadata.finalizers, [FINALIZER]);
  assert.equal(await zfsProp(`${b.parent}/${src}@${snap}`, 'type'), 'snapshot');

  const restored = await b.createVolume({ bytes: 64n * MiB, source: { kind: 'snapshot', id: snap } });
  await b.waitReady(restored);
  assert.equal(await zfsProp(`${b.parent}/${restored}`, 'origin'), `${b.parent}/${src}@${snap}`);
  assert.equal(await zfsProp(`${b.parent}/${restored}`, 'refquota'), String(64n * MiB), 'a larger restore is honoured');

  const clone = await b.createVolume({ source: { kind: 'volume', id: src } });
  await b.waitReady(clone);
  assert.equal(await zfsProp(`${b.parent}/${clone}`, 'origin'), `${b.parent}/${src}@clone-${clone}`);
});

test('a restore smaller than its snapshot fails terminally with OUT_OF_RANGE and a Warning Event', async () => {
  const src = await b.createVolume({ bytes: 64n * MiB });
  await b.waitReady(src);
  const snap = await b.createSnapshot(src);
  await b.waitSnapshot(snap, (x) => x?.status?.readyToUse === true);
  const small = await b.createVolume({ bytes: 32n * MiB, source: { kind: 'snapshot', id: snap } });
  const v = await b.waitVolume(small, (x) => x?.status?.phase === 'Failed');
  assert.equal(v?.status?.code, 'OUT_OF_RANGE');
  assert.equal(v?.status?.observedGeneration, v?.metadata.generation);
  assert.ok(b.events.some((e) => e.involved.name === small && e.reason === 'ProvisioningFailed'));
  assert.equal(await zfsProp(`${b.parent}/${small}`, 'type'), undefined, 'nothing was made');
  // The controller's clean-up of a failed resource: intent, then delete; nothing on the pool is touched.
  await b.requestDeletion(PLURAL.volume, small);
  await b.waitVolume(small, (x) => x?.status?.deletion === 'Destroyed');
  await b.api.delete(PLURAL.volume, small);
  await b.waitVolume(small, (x) => x === undefined);
});

test('a larger spec.requestedBytes expands the quota and acknowledges the generation', async () => {
  const id = await b.createVolume();
  await b.waitReady(id);
  await b.api.patch(PLURAL.volume, id, { spec: { requestedBytes: String(80n * MiB) } });
  const v = await b.waitVolume(id, (x) => x?.status?.capacityBytes === String(80n * MiB));
  assert.equal(v?.status?.observedGeneration, v?.metadata.generation);
  assert.equal(v?.status?.phase, 'Ready');
  assert.equal(await zfsProp(`${b.parent}/${id}`, 'refquota'), String(80n * MiB));
});

test('delete with intent: Destroyed, then deleting the resource removes the finalizer and the object', async () => {
  const id = await b.createVolume();
  await b.waitReady(id);
  const generation = await b.requestDeletion(PLURAL.volume, id);
  const v = await b.waitVolume(id, (x) => x?.status?.deletion !== undefined);
  assert.equal(v?.status?.deletion, 'Destroyed');
  assert.ok((v?.status?.observedGeneration ?? 0) >= generation);
  assert.equal(await zfsProp(`${b.parent}/${id}`, 'type'), undefined, 'dataset destroyed');
  assert.deepEqual(v?.metadata.finalizers, [FINALIZER], 'finalizer kept until the resource is deleted');
  assert.equal(await b.agent?.nodeLookup().lookup(id), undefined);
  await b.api.delete(PLURAL.volume, id);
  await b.waitVolume(id, (x) => x === undefined);
  assert.ok(!(await zfsTree(b.parent)).includes(`${b.parent}/${id}`));
});

test('a volume in a parent this node does not serve fails with INVALID_ARGUMENT and gets no finalizer', async () => {
  const id = await b.createVolume({ parent: `${b.parent}-elsewhere` });
  const v = await b.waitVolume(id, (x) => x?.status?.phase === 'Failed');
  assert.equal(v?.status?.code, 'INVALID_ARGUMENT');
  assert.deepEqual(v?.metadata.finalizers ?? [], []);
  await b.api.delete(PLURAL.volume, id);
  await b.waitVolume(id, (x) => x === undefined);
});

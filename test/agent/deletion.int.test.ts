import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { P } from '../../src/provision/props.js';
import { FINALIZER, PLURAL } from '../../src/store/kube/resources.js';
import { zfsProp } from '../support/pool.js';
import { AgentBench, NO_MOUNT } from './harness.js';

let b: AgentBench;
before(async () => {
  b = await AgentBench.create();
  b.startAgent();
  await b.agent?.whenAdopted();
});
after(async () => {
  await b.cleanup();
});

test('delete while a snapshot exists: Retired, data kept; deleting the snapshot sweeps it and the finalizer goes', async () => {
  const id = await b.createVolume();
  await b.waitReady(id);
  const snap = await b.createSnapshot(id);
  await b.waitSnapshot(snap, (s) => s?.status?.readyToUse === true);
  const dataset = `${b.parent}/${id}`;

  await b.requestDeletion(PLURAL.volume, id);
  const v = await b.waitVolume(id, (x) => x?.status?.deletion !== undefined);
  assert.equal(v?.status?.deletion, 'Retired');
  assert.notEqual(await zfsProp(dataset, P.retired), undefined, 'marked retired on the pool');
  assert.equal(await zfsProp(dataset, 'canmount'), 'off');
  assert.equal(await b.agent?.nodeLookup().lookup(id), undefined, 'a retired volume cannot be published');

  await b.api.delete(PLURAL.volume, id);
  const kept = await b.waitVolume(id, (x) => x?.metadata.deletionTimestamp !== undefined);
  await b.agent?.idle();
  assert.deepEqual((await b.volume(id))?.metadata.finalizers, [FINALIZER], 'finalizer kept while the data is retired');
  assert.ok(kept);
  assert.equal(await zfsProp(`${dataset}@${snap}`, 'type'), 'snapshot', 'the snapshot still usable');

  await b.requestDeletion(PLURAL.snapshot, snap);
  await b.waitSnapshot(snap, (s) => s?.status?.deletion === 'Destroyed');
  await b.api.delete(PLURAL.snapshot, snap);
  await b.waitSnapshot(snap, (s) => s === undefined);
  await b.waitVolume(id, (x) => x === undefined);
  assert.equal(await zfsProp(dataset, 'type'), undefined, 'the sweep destroyed the retired dataset');
});

test('a resource deleted without intent: Warning Event, finalizer removed, data kept and reported as drift', async () => {
  const id = await b.createVolume();
  await b.waitReady(id);
  const dataset = `${b.parent}/${id}`;
  await b.api.delete(PLURAL.volume, id);
  await b.waitVolume(id, (x) => x === undefined);
  assert.equal(await zfsProp(dataset, 'type'), 'filesystem', 'dataset kept (DESIGN.md §4 rule 7)');
  assert.ok(b.events.some((e) => e.reason === 'DeletedWithoutIntent' && e.involved.name === id && e.type === 'Warning'));
  // The Event reached the API server in the agent's namespace, from the node component.
  if (b.target.fake) {
    const core = b.target.kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedEvent({ namespace: 'default' });
    const ev = list.items.find((e) => e.reason === 'DeletedWithoutIntent' && e.involvedObject.name === id);
    assert.equal(ev?.source?.component, 'zfs-csi-node');
  }
  const agent = b.agent;
  assert.ok(agent);
  const deadline = Date.now() + 10_000;
  while (!agent.driftReport.includes(dataset) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(agent.driftReport.includes(dataset), 'reported as drift');
});

test('a published volume is InUse and untouched; withdrawn intent clears it; unpublished it is Destroyed', async () => {
  const id = await b.createVolume();
  const v = await b.waitReady(id);
  const mountpoint = v?.status?.mountpoint ?? '';
  const target = join(b.dir, 'pod', id);
  await mkdir(join(b.dir, 'pod'), { recursive: true });
  if (NO_MOUNT) await mkdir(mountpoint, { recursive: true });
  await b.targets.publish(mountpoint, target, false);
  try {
    const generation = await b.requestDeletion(PLURAL.volume, id);
    const inUse = await b.waitVolume(id, (x) => x?.status?.deletion !== undefined);
    assert.equal(inUse?.status?.deletion, 'InUse');
    assert.equal(inUse?.status?.observedGeneration, generation);
    assert.equal(inUse?.status?.phase, 'Ready');
    assert.equal(await zfsProp(`${b.parent}/${id}`, 'type'), 'filesystem');
    // The controller answers FAILED_PRECONDITION and withdraws the intent.
    await b.requestDeletion(PLURAL.volume, id, false);
    const back = await b.waitVolume(id, (x) => x?.status?.observedGeneration === x?.metadata.generation && x?.status?.deletion === undefined);
    assert.equal(back?.status?.phase, 'Ready');
  } finally {
    await b.targets.unpublish(target);
  }
  await b.requestDeletion(PLURAL.volume, id);
  const gone = await b.waitVolume(id, (x) => x?.status?.deletion !== undefined && x.status.observedGeneration === x.metadata.generation);
  assert.equal(gone?.status?.deletion, 'Destroyed');
});

test('a snapshot deleted with clones still on it: destroy -d, Destroyed for the CO, gone with its last clone', async () => {
  const src = await b.createVolume();
  await b.waitReady(src);
  const snap = await b.createSnapshot(src);
  await b.waitSnapshot(snap, (s) => s?.status?.readyToUse === true);
  const restored = await b.createVolume({ source: { kind: 'snapshot', id: snap } });
  await b.waitReady(restored);
  await b.requestDeletion(PLURAL.snapshot, snap);
  await b.waitSnapshot(snap, (s) => s?.status?.deletion === 'Destroyed');
  const zfsName = `${b.parent}/${src}@${snap}`;
  assert.equal(await zfsProp(zfsName, 'defer_destroy'), 'on');
  await b.api.delete(PLURAL.snapshot, snap);
  await b.waitSnapshot(snap, (s) => s === undefined);
  await b.requestDeletion(PLURAL.volume, restored);
  await b.waitVolume(restored, (x) => x?.status?.deletion === 'Destroyed');
  assert.equal(await zfsProp(zfsName, 'type'), undefined, 'the deferred snapshot went with its clone');
});

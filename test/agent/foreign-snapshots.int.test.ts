/**
 * Kubernetes mode, snapshots the driver did not make (issue #10 part 3): a real agent on zfs-fuse against the
 * fake API server (or a real cluster), snapshots made by hand with `zfs snapshot`. keep: Retired, status and a
 * Warning Event name the snapshots, and once the operator destroys them the sweep lets the resource go.
 * destroy: the deletion destroys them and the volume. Both end with nothing under the parent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { HELD_EVENT } from '../../src/agent/foreign-holds.js';
import { PLURAL } from '../../src/store/kube/resources.js';
import { zfsTree } from '../support/pool.js';
import { AgentBench } from './harness.js';

let b: AgentBench;
before(async () => {
  b = await AgentBench.create();
  // A short sweep period stands in for the operator waiting for the next periodic sweep.
  b.startAgent({ sweepIntervalMs: 500 });
  await b.agent?.whenAdopted();
});
after(async () => {
  await b.cleanup();
});

const zfs = (...args: string[]) => execa('/sbin/zfs', args);

test('keep: Retired, status.heldByForeignSnapshots and one Warning Event; after zfs destroy by hand, all goes', async () => {
  const id = await b.createVolume({ foreignSnapshots: 'keep' });
  await b.waitReady(id);
  const dataset = `${b.parent}/${id}`;
  await zfs('snapshot', `${dataset}@autosnap_hourly`);
  await b.requestDeletion(PLURAL.volume, id);
  const held = await b.waitVolume(id, (v) => v?.status?.deletion !== undefined && v.status.heldByForeignSnapshots !== undefined);
  assert.equal(held?.status?.deletion, 'Retired');
  assert.deepEqual(held?.status?.heldByForeignSnapshots?.snapshots, ['autosnap_hourly']);
  assert.equal(held?.status?.heldByForeignSnapshots?.reason, 'kept');
  assert.match(held?.status?.heldByForeignSnapshots?.usedBytes ?? '', /^\d+$/);
  const events = () => b.events.filter((e) => e.reason === HELD_EVENT && e.involved.name === id);
  assert.equal(events()[0]?.type, 'Warning');
  assert.match(events()[0]?.message ?? '', /autosnap_hourly/);
  // The controller deletes the resource once the verdict is in; the finalizer holds while the data stays.
  await b.api.delete(PLURAL.volume, id);
  await new Promise((r) => setTimeout(r, 1500)); // a few periodic sweeps
  assert.equal(events().length, 1, 'the periodic sweep does not repeat the Event');
  assert.deepEqual(await zfsTree(b.parent), [dataset, `${dataset}@autosnap_hourly`], 'nothing foreign touched');
  assert.ok(await b.volume(id), 'the finalizer holds the resource while the data is on the pool');
  await zfs('destroy', `${dataset}@autosnap_hourly`);
  await b.waitVolume(id, (v) => v === undefined);
  assert.deepEqual(await zfsTree(b.parent), []);
});

test('destroy: the deletion destroys the foreign snapshots and the volume; Destroyed, nothing left', async () => {
  const id = await b.createVolume({ foreignSnapshots: 'destroy' });
  await b.waitReady(id);
  const dataset = `${b.parent}/${id}`;
  await zfs('snapshot', `${dataset}@a`);
  await zfs('snapshot', `${dataset}@b`);
  await b.requestDeletion(PLURAL.volume, id);
  const v = await b.waitVolume(id, (x) => x?.status?.deletion !== undefined);
  assert.equal(v?.status?.deletion, 'Destroyed');
  assert.equal(v?.status?.heldByForeignSnapshots, undefined);
  assert.deepEqual(await zfsTree(b.parent), []);
  await b.api.delete(PLURAL.volume, id);
  await b.waitVolume(id, (x) => x === undefined);
});

test('destroy with a clone made by hand: Retired and reported cloned, origin kept; the clone gone, all goes', async () => {
  const id = await b.createVolume({ foreignSnapshots: 'destroy' });
  await b.waitReady(id);
  const dataset = `${b.parent}/${id}`;
  const clone = `${b.parent}/handmade`;
  await zfs('snapshot', `${dataset}@origin`);
  await zfs('clone', '-o', 'mountpoint=none', `${dataset}@origin`, clone);
  await b.requestDeletion(PLURAL.volume, id);
  const held = await b.waitVolume(id, (x) => x?.status?.heldByForeignSnapshots !== undefined);
  assert.equal(held?.status?.heldByForeignSnapshots?.reason, 'cloned');
  assert.deepEqual(await zfsTree(b.parent), [clone, dataset, `${dataset}@origin`]);
  await b.api.delete(PLURAL.volume, id);
  await zfs('destroy', clone);
  await b.waitVolume(id, (x) => x === undefined);
  assert.deepEqual(await zfsTree(b.parent), []);
});

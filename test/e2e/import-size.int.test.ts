/**
 * Issue #10 part 2, the size of an imported volume in Kubernetes mode (docs/import.md, "Size"): a dataset with
 * no refquota, imported with spec.requestedBytes, gets that size as its refquota, and the controller reports
 * it (ControllerGetVolume, ListVolumes, and CreateVolume of the same CO name answering the imported volume).
 * requestedBytes "0" on such a dataset would be a volume without a size: refused, Failed with a Warning
 * Event, the dataset left as it was.
 */
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { after, before, test } from 'node:test';
import { poll } from '../agent/harness.js';
import type { E2eCluster, E2eNode } from './cluster.js';
import { createVolume, DEADLINE, expectCode, MiB, readThroughPublish } from './csi.js';
import { destroyByHand, ImportRig, localProps, prop, startImportCluster } from './import-rig.js';

const TEXT = 'imported without a refquota\n';

let k: E2eCluster;
let b: E2eNode;
let rig: ImportRig;

before(async () => {
  ({ k, b, rig } = await startImportCluster());
});
after(() => k.cleanup());

/** The Warning Events the agent recorded about one ZfsVolume, as `reason: message`. */
async function warnings(id: string): Promise<string[]> {
  const list = await k.target.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
  return list.items.filter((e) => e.type === 'Warning' && e.involvedObject.name === id).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

test('no refquota, requestedBytes set: that size becomes its refquota, and the controller reports it everywhere', async () => {
  const dataset = await rig.handMade('unsized', [], { 'notes.txt': TEXT });
  assert.equal(await prop(dataset, 'refquota'), '0', 'made without a refquota');
  const name = 'import-unsized';
  const id = await rig.importVolume(dataset, { bytes: 40n * MiB, csiName: name });
  const v = await rig.settled(id);
  assert.equal(v?.status?.phase, 'Ready', `${v?.status?.code ?? ''}: ${v?.status?.message ?? ''}`);
  assert.equal(v?.status?.capacityBytes, String(40n * MiB));
  assert.equal(await prop(dataset, 'refquota'), String(40n * MiB), 'the requested size is the dataset\'s refquota');
  assert.equal(await prop(dataset, 'refreservation'), '0', 'thin: nothing reserved');
  const c = k.controller.client;
  const { volume } = await c.controller.ControllerGetVolume({ volume_id: id }, DEADLINE);
  assert.equal(volume?.capacity_bytes, String(40n * MiB));
  const listed = await c.controller.ListVolumes({ max_entries: 0, starting_token: '' }, DEADLINE);
  assert.equal(listed.entries.find((e) => e.volume?.volume_id === id)?.volume?.capacity_bytes, String(40n * MiB));
  const again = await createVolume(c, { name, node: b.name, bytes: 40n * MiB });
  assert.deepEqual(again, { id, node: b.name, bytes: 40n * MiB }, 'CreateVolume of its CO name answers the imported volume');
  await expectCode(createVolume(c, { name, node: b.name, bytes: 80n * MiB }), 'ALREADY_EXISTS', 'the same CO name, a larger size');
  assert.equal(await readThroughPublish(b, id, 'notes.txt'), TEXT);
  await c.controller.DeleteVolume({ volume_id: id }, DEADLINE);
  await poll(() => k.volume(id), (x) => x === undefined, 20_000, 'the imported volume deleted');
});

test('no refquota, requestedBytes "0": Failed INVALID_ARGUMENT with a Warning Event, never an unlimited volume', async () => {
  const dataset = await rig.handMade('nosize', [], { 'notes.txt': TEXT });
  const before_ = await localProps(dataset);
  const id = await rig.importVolume(dataset);
  const v = await rig.settled(id);
  assert.equal(v?.status?.phase, 'Failed');
  assert.equal(v?.status?.code, 'INVALID_ARGUMENT');
  assert.match(v?.status?.message ?? '', /has no refquota: give the volume's size \(.*spec\.requestedBytes\); nothing was changed/);
  const events = await poll(() => warnings(id), (e) => e.length > 0, 10_000, 'the Warning Event');
  assert.ok(events.some((e) => /^ProvisioningFailed: .*has no refquota/.test(e)), events.join('\n'));
  assert.ok(!(await c().controller.ListVolumes({ max_entries: 0, starting_token: '' }, DEADLINE)).entries.some((e) => e.volume?.volume_id === id));
  await expectCode(c().controller.ControllerGetVolume({ volume_id: id }, DEADLINE), 'NOT_FOUND', 'a refused import is no volume');
  assert.deepEqual(await localProps(dataset), before_, 'nothing was written to the dataset');
  await rig.giveUp(id);
  assert.deepEqual(await localProps(dataset), before_);
  await destroyByHand(dataset);
});

const c = () => k.controller.client;

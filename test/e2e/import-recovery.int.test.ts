/**
 * Issue #10 parts 2 and 2b together, end to end: an imported volume on node-b with a snapshot the driver made,
 * then the cluster lost (every ZfsVolume and ZfsSnapshot gone, the pool intact) and the agent restarted with
 * `--recover-resources true`. The snapshot's ZfsSnapshot comes back naming the imported dataset (not
 * `<parent>/<volume-id>`) and restores; the imported volume itself does not (an import is an operator's to
 * write, docs/import.md "Authority"): an `ImportNotRecovered` Warning says what to write, the operator writes
 * it, and the volume is Ready again with nothing written to the dataset. Agents run under the chart's RBAC and
 * node-authority policy with node.recoverResources on.
 */
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { after, before, test } from 'node:test';
import { poll } from '../agent/harness.js';
import { zfsTree } from '../support/pool.js';
import type { E2eCluster, E2eNode } from './cluster.js';
import { createSnapshot, createVolume, DEADLINE, listedSnapshotIds, listedVolumeIds, MiB, readThroughPublish } from './csi.js';
import { ImportRig, localProps, startImportCluster } from './import-rig.js';

const FILE = 'notes.txt';
const TEXT = 'imported, snapshotted, then the cluster was lost\n';

let k: E2eCluster;
let b: E2eNode;
let rig: ImportRig;
const ids = { v: '', s: '', restored: '' };
let dataset = '';
let poolBefore: string[] = [];

before(async () => {
  ({ k, b, rig } = await startImportCluster({ recoverResources: true }));
});
after(() => k.cleanup());

async function nodeEvents(reason: string): Promise<string[]> {
  const list = await k.target.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
  return list.items.filter((e) => e.reason === reason && e.involvedObject.name === b.name).map((e) => e.message ?? '');
}

test('set-up: a hand-made dataset imported, and a snapshot of it taken through the controller', async () => {
  dataset = await rig.handMade('imprec', ['-o', `refquota=${48n * MiB}`], { [FILE]: TEXT });
  ids.v = await rig.importVolume(dataset, { csiName: 'imprec-data' });
  const v = await rig.settled(ids.v);
  assert.equal(v?.status?.phase, 'Ready', `${v?.status?.code ?? ''}: ${v?.status?.message ?? ''}`);
  ids.s = await createSnapshot(k.controller.client, 'imprec-snap', ids.v);
  const snap = await poll(() => k.snapshot(ids.s), (s) => s?.status?.zfsName !== undefined, 10_000, 'snapshot status');
  assert.equal(snap?.status?.zfsName, `${dataset}@${ids.s}`);
  poolBefore = await localProps(dataset);
});

test('after the loss, recovery re-creates the snapshot naming the imported dataset, and only tells about the volume', async () => {
  await b.agent.stop();
  await k.loseEveryResource(b);
  await k.restart(b, ['--recover-resources', 'true']);
  const names = await poll(() => k.resourceNames(), (n) => n.snapshots.length === 1, 20_000, 'the recovered snapshot');
  assert.deepEqual(names, { volumes: [], snapshots: [ids.s] }, 'no ZfsVolume for the import');
  const snap = await k.snapshot(ids.s);
  assert.equal(snap?.spec.sourceVolumeId, ids.v);
  assert.equal(snap?.spec.csiName, 'imprec-snap');
  assert.equal(snap?.status?.zfsName, `${dataset}@${ids.s}`, 'the imported dataset, not <parent>/<volume-id>');
  assert.equal(snap?.status?.readyToUse, true);
  const told = await poll(() => nodeEvents('ImportNotRecovered'), (e) => e.length > 0, 10_000, 'the ImportNotRecovered Event');
  assert.match(told[0] ?? '', new RegExp(`imported volume ${ids.v} \\(CSI name imprec-data\\) on dataset ${dataset} .*csiName "imprec-data".*importDataset ${dataset}`));
  assert.deepEqual(await localProps(dataset), poolBefore, 'nothing on the pool changed');
  assert.ok((await listedSnapshotIds(k.controller.client)).includes(ids.s), 'the CO sees the snapshot');
});

test('CreateVolume from the recovered snapshot works while the imported volume has no resource', async () => {
  const c = k.controller.client;
  ids.restored = (await createVolume(c, { name: 'imprec-restore', node: b.name, bytes: 48n * MiB, source: { snapshot: ids.s } })).id;
  assert.equal(await readThroughPublish(b, ids.restored, FILE), TEXT);
  assert.equal((await k.volume(ids.restored))?.status?.dataset, `${b.pool.parent}/${ids.restored}`, 'a new volume is made under the parent');
});

test('the operator writes the import again as the Event says: Ready, nothing written; then everything deletes to nothing', async () => {
  await rig.importVolume(dataset, { id: ids.v, csiName: 'imprec-data' });
  const v = await rig.settled(ids.v);
  assert.equal(v?.status?.phase, 'Ready', `${v?.status?.code ?? ''}: ${v?.status?.message ?? ''}`);
  assert.equal(v?.status?.capacityBytes, String(48n * MiB));
  assert.deepEqual(await localProps(dataset), poolBefore, 'the finished import is recognised, not redone');
  const c = k.controller.client;
  assert.ok((await listedVolumeIds(c)).includes(ids.v));
  assert.equal(await readThroughPublish(b, ids.v, FILE), TEXT);
  await c.controller.DeleteVolume({ volume_id: ids.restored }, DEADLINE);
  await c.controller.DeleteSnapshot({ snapshot_id: ids.s }, DEADLINE);
  await c.controller.DeleteVolume({ volume_id: ids.v }, DEADLINE);
  await poll(() => zfsTree(b.pool.parent), (t) => !t.some((n) => n.startsWith(`${b.pool.parent}/`)), 30_000, 'nothing left under the parent');
  await poll(() => k.resourceNames(), (n) => n.volumes.length === 0 && n.snapshots.length === 0, 10_000, 'no resource left');
});

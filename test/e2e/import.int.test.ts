/**
 * Issue #10 part 2a, end to end in Kubernetes mode: an operator hands an existing dataset on node-b to the
 * driver by writing a ZfsVolume with spec.importDataset (docs/import.md). The agent imports it under the
 * resource's name; the controller's CSI calls then serve it like a volume it made (get, publish with the
 * files byte for byte, expand, snapshot and restore, delete). Refused imports end Failed with the code and
 * what was refused, and leave the dataset's own properties as they were. Agents run under the chart's RBAC
 * and node-authority policy; the operator writes as cluster-admin.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PLURAL, type ZfsVolume } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { zfsTree } from '../support/pool.js';
import type { E2eCluster, E2eNode } from './cluster.js';
import { createSnapshot, createVolume, DEADLINE, MiB, publish, readThroughPublish, unpublish } from './csi.js';
import { destroyByHand, ImportRig, localProps, prop, startImportCluster, type ImportSpec, zfs } from './import-rig.js';

const TEXT = 'kept across the import\n';
const BLOB = randomBytes(256 * 1024);

let k: E2eCluster;
let b: E2eNode;
let rig: ImportRig;

before(async () => {
  ({ k, b, rig } = await startImportCluster());
});
after(() => k.cleanup());

const handMade = (name: string, options: string[] = []): Promise<string> => rig.handMade(name, options, { 'notes.txt': TEXT, 'blob.bin': BLOB });
const importVolume = (dataset: string, spec: ImportSpec = {}): Promise<string> => rig.importVolume(dataset, spec);
const settled = (id: string): Promise<ZfsVolume | undefined> => rig.settled(id);
const giveUp = (id: string): Promise<void> => rig.giveUp(id);

const ids = { v: '', s: '', restored: '', clone: '' };
let imported = '';

test('a hand-made dataset becomes Ready under the resource\'s name, keeping its name and files', async () => {
  imported = await handMade('pgdata', ['-o', `refquota=${64n * MiB}`]);
  ids.v = await importVolume(imported);
  const v = await settled(ids.v);
  assert.equal(v?.status?.phase, 'Ready', `${v?.status?.code ?? ''}: ${v?.status?.message ?? ''}`);
  assert.equal(v?.status?.dataset, imported, 'the dataset keeps its name');
  assert.equal(v?.status?.capacityBytes, String(64n * MiB), 'the size is its refquota');
  assert.equal(v?.status?.mountpoint, join(b.mountRoot, ids.v));
  assert.equal(await prop(imported, 'zfs.csi.dev:volume-id'), ids.v);
  assert.equal(await prop(imported, 'zfs.csi.dev:managed'), 'true');
  assert.equal(await prop(imported, 'mountpoint'), join(b.mountRoot, ids.v));
});

test('ControllerGetVolume and NodePublish serve it: the files read back byte for byte', async () => {
  const c = k.controller.client;
  const { volume } = await c.controller.ControllerGetVolume({ volume_id: ids.v }, DEADLINE);
  assert.equal(volume?.volume_id, ids.v);
  assert.equal(volume?.capacity_bytes, String(64n * MiB));
  assert.equal(await readThroughPublish(b, ids.v, 'notes.txt'), TEXT);
  const target = await publish(b, ids.v);
  try {
    assert.ok((await readFile(join(target, 'blob.bin'))).equals(BLOB), 'the binary file is unchanged');
    await writeFile(join(target, 'after.txt'), 'written through the pod\n');
  } finally {
    await unpublish(b, ids.v, target);
  }
});

test('expand, snapshot and restore work on the imported dataset', async () => {
  const c = k.controller.client;
  const r = await c.controller.ControllerExpandVolume({ volume_id: ids.v, capacity_range: { required_bytes: String(96n * MiB) } }, DEADLINE);
  assert.equal(r.capacity_bytes, String(96n * MiB));
  assert.equal(await prop(imported, 'refquota'), String(96n * MiB), 'the refquota of the dataset itself');
  ids.s = await createSnapshot(c, 'import-snap', ids.v);
  const snap = await poll(() => k.snapshot(ids.s), (s) => s?.status?.zfsName !== undefined, 10_000, 'snapshot status');
  assert.equal(snap?.status?.zfsName, `${imported}@${ids.s}`, 'the snapshot lives in the imported dataset');
  ids.restored = (await createVolume(c, { name: 'import-restore', node: b.name, bytes: 96n * MiB, source: { snapshot: ids.s } })).id;
  assert.equal(await readThroughPublish(b, ids.restored, 'notes.txt'), TEXT);
  assert.equal(await readThroughPublish(b, ids.restored, 'after.txt'), 'written through the pod\n');
  ids.clone = (await createVolume(c, { name: 'import-clone', node: b.name, bytes: 96n * MiB, source: { volume: ids.v } })).id;
  assert.equal(await readThroughPublish(b, ids.clone, 'notes.txt'), TEXT, 'a clone of the imported volume');
});

test('the resource lost and written again by the operator (same ID and CO name): Ready, nothing written to the dataset', async () => {
  const before_ = await localProps(imported);
  await k.api.delete(PLURAL.volume, ids.v);
  await poll(() => k.volume(ids.v), (x) => x === undefined, 10_000, 'the ZfsVolume gone (no intent: data kept)');
  assert.deepEqual(await localProps(imported), before_);
  await importVolume(imported, { id: ids.v });
  const v = await settled(ids.v);
  assert.equal(v?.status?.phase, 'Ready', `${v?.status?.code ?? ''}: ${v?.status?.message ?? ''}`);
  assert.equal(v?.status?.capacityBytes, String(96n * MiB), 'the size it was expanded to');
  assert.deepEqual(await localProps(imported), before_, 'the finished import is recognised, not redone');
  assert.equal(await readThroughPublish(b, ids.v, 'after.txt'), 'written through the pod\n');
});

test('refused: a dataset already managed (a volume the driver made) — Failed, nothing changed, that volume unharmed', async () => {
  const made = (await createVolume(k.controller.client, { name: 'import-made', node: b.name })).id;
  const dataset = `${b.pool.parent}/${made}`;
  const before_ = await localProps(dataset);
  const id = await importVolume(dataset);
  const v = await settled(id);
  assert.equal(v?.status?.phase, 'Failed');
  assert.equal(v?.status?.code, 'FAILED_PRECONDITION');
  assert.match(v?.status?.message ?? '', /already managed by the driver \(volume vol-\w+\); nothing was changed/);
  assert.deepEqual(await localProps(dataset), before_);
  await giveUp(id);
  assert.deepEqual(await localProps(dataset), before_);
  const { volume } = await k.controller.client.controller.ControllerGetVolume({ volume_id: made }, DEADLINE);
  assert.equal(volume?.volume_id, made);
  await k.controller.client.controller.DeleteVolume({ volume_id: made }, DEADLINE);
});

test('refused: a dataset with children — Failed, nothing changed on it or below it', async () => {
  const dataset = await handMade('parentlike', ['-o', `refquota=${32n * MiB}`]);
  await zfs('create', `${dataset}/child`);
  const before_ = await localProps(dataset);
  const id = await importVolume(dataset);
  const v = await settled(id);
  assert.equal(v?.status?.phase, 'Failed');
  assert.equal(v?.status?.code, 'FAILED_PRECONDITION');
  assert.match(v?.status?.message ?? '', /has child datasets .*child.*; nothing was changed/);
  assert.deepEqual(await localProps(dataset), before_);
  await giveUp(id);
  assert.deepEqual(await localProps(dataset), before_);
  await destroyByHand(dataset);
});

test('refused: a parent this node does not serve, and a size that differs from the refquota — Failed, nothing changed', async () => {
  const otherParent = `${b.pool.pool}/elsewhere`;
  await zfs('create', otherParent);
  const where = join(k.dir, 'legacy', 'elsewhere-x');
  await mkdir(where, { recursive: true });
  const stray = `${otherParent}/x`;
  await zfs('create', '-o', `mountpoint=${where}`, '-o', `refquota=${32n * MiB}`, stray);
  const strayBefore = await localProps(stray);
  const strayId = await importVolume(stray, { parent: otherParent });
  const a = await settled(strayId);
  assert.equal(a?.status?.phase, 'Failed');
  assert.equal(a?.status?.code, 'INVALID_ARGUMENT');
  assert.match(a?.status?.message ?? '', /is not served on node/);
  assert.deepEqual(a?.metadata.finalizers ?? [], [], 'refused before the finalizer: this node never took it on');
  assert.deepEqual(await localProps(stray), strayBefore);
  const sized = await handMade('sized', ['-o', `refquota=${32n * MiB}`]);
  const sizedBefore = await localProps(sized);
  const sizedId = await importVolume(sized, { bytes: 48n * MiB });
  const s = await settled(sizedId);
  assert.equal(s?.status?.code, 'INVALID_ARGUMENT');
  assert.match(s?.status?.message ?? '', /has refquota .*nothing was changed/);
  assert.deepEqual(await localProps(sized), sizedBefore);
  await giveUp(strayId);
  await giveUp(sizedId);
  assert.deepEqual(await localProps(stray), strayBefore);
  assert.deepEqual(await localProps(sized), sizedBefore);
  await destroyByHand(otherParent);
  await destroyByHand(sized);
});

test('DeleteVolume retires the imported volume while its snapshot lives, and destroys it once nothing needs it', async () => {
  const c = k.controller.client;
  await c.controller.DeleteVolume({ volume_id: ids.v }, DEADLINE);
  assert.notEqual(await prop(imported, 'zfs.csi.dev:retired'), '-', 'retired, kept for its snapshot');
  await c.controller.DeleteVolume({ volume_id: ids.restored }, DEADLINE);
  await c.controller.DeleteVolume({ volume_id: ids.clone }, DEADLINE);
  await c.controller.DeleteSnapshot({ snapshot_id: ids.s }, DEADLINE);
  const left = (await poll(() => zfsTree(b.pool.parent), (t) => !t.includes(imported), 30_000, 'the imported dataset destroyed by the sweep'));
  assert.deepEqual(left.filter((n) => n.startsWith(`${b.pool.parent}/`)), [], 'nothing left under the parent');
  await poll(() => k.resourceNames(), (n) => n.volumes.length === 0 && n.snapshots.length === 0, 10_000, 'no resource left');
});

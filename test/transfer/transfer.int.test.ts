import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { newSnapshotId, newVolumeId } from '../../src/csi/ids.js';
import type { SnapshotRecord, VolumeRecord } from '../../src/domain/types.js';
import { TransferError } from '../../src/transfer/errors.js';
import { makePki, type TestPki } from '../support/certs.js';
import { TEST_POOL, TEST_POOL2, zfsProp, zfsTree } from '../support/pool.js';
import { send, startNode, type TestNode } from './nodes.js';

// Issue #8: two nodes, two zfs-fuse pools, the driver's sender and receiver over loopback mutual TLS.
const POOL_B = TEST_POOL2;
const PARAMS = { properties: {}, quotaType: 'refquota' as const, thin: true };
let pki: TestPki;
let a: TestNode;
let b: TestNode;

before(async () => {
  pki = await makePki();
  a = await startNode('node-a', TEST_POOL, pki, ['node-b']);
  b = await startNode('node-b', POOL_B, pki, ['node-a']);
});

after(async () => {
  await a.close();
  await b.close();
});

const signal = (): AbortSignal => AbortSignal.timeout(60_000);
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function volume(name: string, bytes = 3 << 20): Promise<{ vol: VolumeRecord; data: Buffer }> {
  const vol = await a.provisioner.createVolume(
    { id: newVolumeId(), name, node: a.id, parent: a.parent, capacityBytes: 256n << 20n, params: PARAMS }, undefined, signal());
  const data = randomBytes(bytes);
  await writeFile(join(vol.mountpoint, 'data'), data);
  return { vol, data };
}

async function snapshot(vol: VolumeRecord, name: string): Promise<SnapshotRecord> {
  return a.provisioner.createSnapshot({ id: newSnapshotId(), name, sourceVolumeId: vol.id, node: a.id }, vol, signal());
}

const copyOf = (vol: VolumeRecord): string => `${b.parent}/${vol.id}`;

test('a full transfer, then incrementals from the newest common snapshot; the copy restores byte for byte on the other node', async () => {
  const { vol, data } = await volume('pvc-full');
  const s1 = await snapshot(vol, 'first');
  const full = await send(a, b, vol, s1);
  assert.equal(full.mode, 'full');
  assert.ok(full.bytes > 3n << 20n, `a full stream carries the data (${full.bytes} bytes)`);
  assert.equal(await zfsProp(`${copyOf(vol)}@${s1.id}`, 'guid'), await zfsProp(s1.zfsName, 'guid'), 'same snapshot, by guid');
  assert.equal(await zfsProp(copyOf(vol), 'canmount'), 'off', 'a copy never mounts');
  assert.equal(await zfsProp(copyOf(vol), 'zfs.csi.dev:replica-of'), 'node-a');

  // The same transfer again (a retry) sends nothing.
  assert.deepEqual(await send(a, b, vol, s1), { mode: 'present', bytes: 0n, dataset: `${b.parent}/${vol.id}` });

  await writeFile(join(vol.mountpoint, 'more'), randomBytes(64 << 10));
  const s2 = await snapshot(vol, 'second');
  const inc = await send(a, b, vol, s2);
  assert.equal(inc.mode, 'incremental');
  assert.equal(inc.base, s1.id);
  assert.ok(inc.bytes < full.bytes / 4n, `an incremental stream carries the change only (${inc.bytes} vs ${full.bytes})`);

  // Several common snapshots: s3 is skipped, s4 goes from s2, the newest one the receiver holds.
  await snapshot(vol, 'third');
  const s4 = await snapshot(vol, 'fourth');
  const skip = await send(a, b, vol, s4);
  assert.equal(skip.base, s2.id);

  // The receiving node's own records now hold the copy (retired, a replica) and its snapshots.
  const view = await b.provisioner.scan(b.parent);
  const replica = view.volumes.find((v) => v.id === vol.id);
  assert.equal(replica?.retired, true);
  assert.equal(replica?.replicaOf, 'node-a');
  assert.deepEqual(view.snapshots.filter((s) => s.sourceVolumeId === vol.id).map((s) => s.name).sort(), ['first', 'fourth', 'second']);

  const record = view.snapshots.find((s) => s.id === s1.id);
  assert.ok(record);
  assert.equal(record.node, 'node-b');
  const restored = await b.provisioner.createVolume(
    { id: newVolumeId(), name: 'restored', node: b.id, parent: b.parent, capacityBytes: record.sizeBytes, source: { kind: 'snapshot', snapshotId: s1.id }, params: PARAMS },
    { kind: 'snapshot', snapshot: record }, signal());
  assert.equal(sha(await readFile(join(restored.mountpoint, 'data'))), sha(data), 'restored on node-b, byte for byte');
});

test('a target holding snapshots past the common base is refused, and left as it was', async () => {
  const { vol } = await volume('pvc-diverged', 1 << 20);
  const s1 = await snapshot(vol, 'one');
  await send(a, b, vol, s1);
  await execa('/sbin/zfs', ['snapshot', `${copyOf(vol)}@local-change`]);
  const s2 = await snapshot(vol, 'two');
  const before = await zfsTree(copyOf(vol));
  await assert.rejects(send(a, b, vol, s2), (err: unknown) =>
    err instanceof TransferError && err.code === 'FAILED_PRECONDITION' && /newer than the common snapshot/.test(err.message));
  assert.deepEqual(await zfsTree(copyOf(vol)), before);

  // An older snapshot than the receiver's newest is refused the same way (it would roll the copy back).
  await execa('/sbin/zfs', ['destroy', `${copyOf(vol)}@local-change`]);
  const s3 = await snapshot(vol, 'three');
  await send(a, b, vol, s3);
  await assert.rejects(send(a, b, vol, s2), (err: unknown) => err instanceof TransferError && err.code === 'FAILED_PRECONDITION');
});

test('a peer with a certificate of another CA, or not a configured peer, is refused before anything is received', async () => {
  const { vol } = await volume('pvc-cert', 1 << 20);
  const s1 = await snapshot(vol, 'one');
  await assert.rejects(send(a, b, vol, s1, { tls: await pki.node('node-a', { rogue: true }) }), (err: unknown) =>
    err instanceof TransferError && err.code === 'UNAVAILABLE');
  const c = await startNode('node-c', TEST_POOL, pki, ['node-b']);
  try {
    const { vol: other } = { vol: await c.provisioner.createVolume(
      { id: newVolumeId(), name: 'pvc-c', node: c.id, parent: c.parent, capacityBytes: 64n << 20n, params: PARAMS }, undefined, signal()) };
    const snap = await c.provisioner.createSnapshot({ id: newSnapshotId(), name: 'c1', sourceVolumeId: other.id, node: c.id }, other, signal());
    await assert.rejects(send(c, b, other, snap), (err: unknown) =>
      err instanceof TransferError && err.code === 'FAILED_PRECONDITION' && /not a configured peer/.test(err.message));
    assert.deepEqual(await zfsTree(`${b.parent}/${other.id}`), []);
  } finally {
    await c.close();
  }
  assert.deepEqual(await zfsTree(copyOf(vol)), []);
});

test('a dataset the driver did not make is never received into, and a foreign snapshot is never sent', async () => {
  const { vol } = await volume('pvc-foreign', 1 << 20);
  const s1 = await snapshot(vol, 'one');
  await execa('/sbin/zfs', ['create', copyOf(vol)]);
  await assert.rejects(send(a, b, vol, s1), (err: unknown) =>
    err instanceof TransferError && err.code === 'FAILED_PRECONDITION' && /not the driver's/.test(err.message));
  assert.deepEqual(await zfsTree(copyOf(vol)), [], 'nothing received into it');
  assert.equal(await zfsProp(copyOf(vol), 'zfs.csi.dev:managed'), '-', 'and it was not marked');

  await execa('/sbin/zfs', ['snapshot', `${vol.dataset}@by-hand`]);
  await assert.rejects(send(a, b, vol, { ...s1, id: 'by-hand' }), (err: unknown) => err instanceof TransferError && err.code === 'NOT_FOUND');
});

test('a stream cut mid-way leaves nothing half-received, and the retry starts clean', async () => {
  const { vol, data } = await volume('pvc-cut', 24 << 20);
  const s1 = await snapshot(vol, 'big');
  const abort = new AbortController();
  await assert.rejects(send(a, b, vol, s1, {
    signal: abort.signal,
    onProgress: (p) => {
      if (p.phase === 'sending' && p.bytes > 2n << 20n) abort.abort();
    },
  }), (err: unknown) => err instanceof TransferError && err.code === 'ABORTED');
  // The receiver aborts its zfs receive when the channel breaks; give it a moment to exit.
  for (let i = 0; i < 50 && (await zfsTree(b.parent)).some((n) => n.includes(vol.id)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await zfsProp(copyOf(vol), 'type'), undefined, 'no partial dataset on the receiver');
  assert.equal((await send(a, b, vol, s1)).mode, 'full');
  const record = (await b.provisioner.scan(b.parent)).snapshots.find((s) => s.id === s1.id);
  assert.ok(record);
  const restored = await b.provisioner.createVolume(
    { id: newVolumeId(), name: 'cut-restored', node: b.id, parent: b.parent, capacityBytes: record.sizeBytes, source: { kind: 'snapshot', snapshotId: s1.id }, params: PARAMS },
    { kind: 'snapshot', snapshot: record }, signal());
  assert.equal(sha(await readFile(join(restored.mountpoint, 'data'))), sha(data));
});

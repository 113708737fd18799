/**
 * Issue #10 part 2b: what CR recovery re-creates from one scan, decided without the API or the pool. Only this
 * node's own live volumes and their snapshots come back; retired data is accounted for, copies and other
 * nodes' records stay drift, and nothing a resource already names is made twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotRecord, VolumeRecord } from '../../src/domain/types.js';
import type { PoolView } from '../../src/provision/decode.js';
import { planRecovery } from '../../src/agent/recovery-plan.js';

const NODE = 'node-a';
const PARENT = 'tank/csi';

function volume(id: string, extra: Partial<VolumeRecord> = {}): VolumeRecord {
  return {
    id, name: `pvc-${id}`, node: NODE, parent: PARENT, capacityBytes: 1n << 30n,
    params: { properties: { compression: 'lz4' }, quotaType: 'refquota', thin: true },
    dataset: `${PARENT}/${id}`, mountpoint: `/mnt/${id}`, retired: false, usedBytes: 0n, ...extra,
  };
}

function snapshot(id: string, volumeId: string, extra: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return {
    id, name: `snapshot-${id}`, sourceVolumeId: volumeId, node: NODE, zfsName: `${PARENT}/${volumeId}@${id}`,
    creationTime: new Date(1_800_000_000_000), sizeBytes: 1n << 30n, readyToUse: true, ...extra,
  };
}

const view = (volumes: VolumeRecord[], snapshots: SnapshotRecord[]): PoolView => ({
  volumes, snapshots, snapshotsOf: new Map(), helpers: new Map(), deferred: new Set(), foreign: [], unmarked: new Map(),
});
const none = { volumes: new Set<string>(), snapshots: new Set<string>() };

test('every live volume and snapshot of this node comes back under its own ID, clones with their source', () => {
  const clone = volume('vol-c', { source: { kind: 'snapshot', snapshotId: 'snap-1' } });
  const plan = planRecovery(NODE, [view([volume('vol-1'), clone], [snapshot('snap-1', 'vol-1')])], none, new Set());
  assert.deepEqual(plan.volumes.map((v) => v.id), ['vol-1', 'vol-c']);
  assert.deepEqual(plan.volumes[1]?.source, { kind: 'snapshot', snapshotId: 'snap-1' });
  assert.deepEqual(plan.snapshots.map((s) => s.id), ['snap-1']);
  assert.deepEqual(plan.retired, []);
  assert.deepEqual(plan.skipped, []);
});

test('what a resource of this node already names is left to adoption, whatever the rest', () => {
  const known = { volumes: new Set(['vol-1']), snapshots: new Set(['snap-1']) };
  const plan = planRecovery(NODE, [view([volume('vol-1'), volume('vol-2')], [snapshot('snap-1', 'vol-1'), snapshot('snap-2', 'vol-1')])], known, new Set());
  assert.deepEqual(plan.volumes.map((v) => v.id), ['vol-2']);
  assert.deepEqual(plan.snapshots.map((s) => s.id), ['snap-2'], 'a snapshot comes back even when its volume still has its resource');
});

test('a retired volume gets no resource (no deletion intent is ever written) but its snapshots do', () => {
  const plan = planRecovery(NODE, [view([volume('vol-r', { retired: true })], [snapshot('snap-r', 'vol-r')])], none, new Set());
  assert.deepEqual(plan.volumes, []);
  assert.deepEqual(plan.retired, [`${PARENT}/vol-r`], 'accounted for: kept for its snapshot, not drift');
  assert.deepEqual(plan.snapshots.map((s) => s.id), ['snap-r'], 'still restorable and deletable');
});

test('received copies, their snapshots and other nodes\' records stay drift, with the reason', () => {
  const copy = volume('vol-x', { replicaOf: 'node-b', retired: true, node: 'node-b' });
  const moved = volume('vol-m', { node: 'node-z' });
  const plan = planRecovery(NODE, [view([copy, moved], [snapshot('snap-x', 'vol-x', { node: 'node-b' }), snapshot('snap-m', 'vol-m', { node: 'node-z' })])], none, new Set());
  assert.deepEqual(plan.volumes, []);
  assert.deepEqual(plan.snapshots, []);
  assert.deepEqual(plan.retired, [], 'a replica is not this node\'s retired data');
  const reasons = new Map(plan.skipped.map((s) => [s.name, s.reason]));
  assert.match(reasons.get(`${PARENT}/vol-x`) ?? '', /copy received from node node-b/);
  assert.match(reasons.get(`${PARENT}/vol-x@snap-x`) ?? '', /copy received from node node-b/);
  assert.match(reasons.get(`${PARENT}/vol-m`) ?? '', /made by node node-z/);
  assert.match(reasons.get(`${PARENT}/vol-m@snap-m`) ?? '', /made by node node-z/);
});

test('a copy a Succeeded ZfsTransfer accounts for is neither re-created nor reported again', () => {
  const copy = volume('vol-x', { replicaOf: 'node-b', retired: true });
  const s = snapshot('snap-x', 'vol-x');
  const plan = planRecovery(NODE, [view([copy], [s])], none, new Set([s.zfsName]));
  assert.deepEqual(plan.snapshots, []);
  assert.deepEqual(plan.skipped.map((x) => x.name), [`${PARENT}/vol-x`]);
});

test('an ID two objects carry (two parents) gets no resource at all: never one record for two datasets', () => {
  const a = volume('vol-1');
  const b = volume('vol-1', { parent: 'tank/other', dataset: 'tank/other/vol-1' });
  const plan = planRecovery(NODE, [view([a], [snapshot('snap-1', 'vol-1')]), view([b], [snapshot('snap-1', 'vol-1', { zfsName: 'tank/other/vol-1@snap-1' })])], none, new Set());
  assert.deepEqual(plan.volumes, []);
  assert.deepEqual(plan.snapshots, []);
  assert.equal(plan.skipped.length, 4);
  assert.ok(plan.skipped.every((s) => /carried by more than one/.test(s.reason)), JSON.stringify(plan.skipped));
});

test('a snapshot whose dataset is not the record of its source volume is not re-created', () => {
  const plan = planRecovery(NODE, [view([], [snapshot('snap-o', 'vol-gone')])], none, new Set());
  assert.deepEqual(plan.snapshots, []);
  assert.match(plan.skipped[0]?.reason ?? '', /not the record of volume vol-gone/);
});

test('an imported volume gets no resource (its ZfsVolume names the dataset: an operator\'s to write), but is not silently dropped', () => {
  const imported = volume('vol-i', { dataset: `${PARENT}/pgdata` });
  const plan = planRecovery(NODE, [view([volume('vol-1'), imported], [])], none, new Set());
  assert.deepEqual(plan.volumes.map((v) => v.id), ['vol-1']);
  assert.deepEqual(plan.skipped.map((s) => s.name), [`${PARENT}/pgdata`]);
  assert.match(plan.skipped[0]?.reason ?? '', /imported volume: an operator writes its ZfsVolume again/);
  assert.deepEqual(plan.imports.map((v) => v.id), ['vol-i'], 'named so the operator is told what to write');
});

test('a snapshot of an imported volume comes back, naming the imported dataset; the volume itself stays the operator\'s', () => {
  const imported = volume('vol-i', { dataset: `${PARENT}/pgdata` });
  const snap = snapshot('snap-i', 'vol-i', { zfsName: `${PARENT}/pgdata@snap-i` });
  const plan = planRecovery(NODE, [view([imported], [snap])], none, new Set());
  assert.deepEqual(plan.volumes, []);
  assert.deepEqual(plan.snapshots.map((s) => s.zfsName), [`${PARENT}/pgdata@snap-i`]);
  assert.deepEqual(plan.imports.map((v) => v.id), ['vol-i']);
});

test('a retired imported volume is retired data like any other: accounted for, no ZfsVolume asked of the operator', () => {
  const retired = volume('vol-i', { dataset: `${PARENT}/pgdata`, retired: true });
  const plan = planRecovery(NODE, [view([retired], [snapshot('snap-i', 'vol-i', { zfsName: `${PARENT}/pgdata@snap-i` })])], none, new Set());
  assert.deepEqual(plan.retired, [`${PARENT}/pgdata`]);
  assert.deepEqual([plan.skipped, plan.imports, plan.volumes], [[], [], []]);
  assert.deepEqual(plan.snapshots.map((s) => s.id), ['snap-i'], 'its snapshot stays restorable');
});

/**
 * The foreignSnapshots decision (src/provision/foreign.ts) and the sweep that acts on it (sweeper.ts), with a
 * pool made of `zfs get` records and a destroy that records what it was asked (issue #10 part 3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForeignSnapshotPolicy, VolumeSpec } from '../../src/domain/types.js';
import { snapshotProps, volumeProps } from '../../src/provision/build.js';
import { decodePool, decodeVolume, type PoolView } from '../../src/provision/decode.js';
import { planRetired } from '../../src/provision/foreign.js';
import { HeldReport } from '../../src/provision/held-report.js';
import { Sweeper } from '../../src/provision/sweeper.js';
import { ZfsError } from '../../src/zfs/errors.js';
import type { DatasetInfo } from '../../src/zfs/zfs.js';

const PARENT = 'tank/csi';
const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';
const DS = `${PARENT}/${ID}`;
const info = (name: string, props: Record<string, string>): DatasetInfo => ({ name, props: new Map(Object.entries(props)) });

function volume(policy: ForeignSnapshotPolicy | undefined, retired = true): DatasetInfo {
  const spec: VolumeSpec = {
    id: ID, name: 'pvc-1', node: 'n1', parent: PARENT, capacityBytes: 1n << 30n,
    params: { properties: {}, quotaType: 'refquota', thin: true, ...(policy ? { foreignSnapshots: policy } : {}) },
  };
  const retiredMark: Record<string, string> = retired ? { 'zfs.csi.dev:retired': '2026-12-07T00:00:00Z' } : {};
  return info(DS, { ...volumeProps(spec, `/m/${ID}`), ...retiredMark, type: 'filesystem', used: '8192' });
}
const foreign = (snap: string, holds = '0'): DatasetInfo => info(`${DS}@${snap}`, { type: 'snapshot', userrefs: holds });
const managedSnap = (): DatasetInfo => {
  const source = decodeVolume(volume(undefined, false));
  assert.ok(source);
  const props = snapshotProps({ id: 'snap-bbbbbbbbbbbbbbbbbbbb', name: 's', sourceVolumeId: ID, node: 'n1' }, source, new Date(0));
  return info(`${DS}@snap-bbbbbbbbbbbbbbbbbbbb`, { ...props, type: 'snapshot', userrefs: '0' });
};
const view = (...infos: DatasetInfo[]): PoolView => decodePool(PARENT, [info(PARENT, { type: 'filesystem' }), ...infos]);
const planOf = (v: PoolView) => {
  const record = v.volumes.find((x) => x.id === ID);
  assert.ok(record);
  return planRetired(record, v);
};

test('no snapshots left: destroy the volume and nothing else', () => {
  assert.deepEqual(planOf(view(volume(undefined))), { kind: 'destroy', foreign: [] });
});

test('keep (and no policy at all, a record made before the key existed): held, reason kept, names sorted', () => {
  for (const policy of ['keep', undefined] as const) {
    const plan = planOf(view(volume(policy), foreign('zz-daily'), foreign('autosnap_1')));
    assert.equal(plan.kind, 'held');
    if (plan.kind !== 'held') continue;
    assert.deepEqual(plan.hold.snapshots, [`${DS}@autosnap_1`, `${DS}@zz-daily`]);
    assert.equal(plan.hold.reason, 'kept');
    assert.equal(plan.hold.policy, 'keep');
    assert.equal(plan.hold.usedBytes, 8192n);
  }
});

test('destroy: every foreign snapshot by name, then the volume', () => {
  assert.deepEqual(planOf(view(volume('destroy'), foreign('b'), foreign('a'))), { kind: 'destroy', foreign: [`${DS}@a`, `${DS}@b`] });
});

test('the driver\'s own snapshots, or a damaged record with the managed mark, keep the volume under either policy', () => {
  for (const policy of ['keep', 'destroy'] as const) {
    assert.deepEqual(planOf(view(volume(policy), foreign('a'), managedSnap())), { kind: 'wait' });
    const damaged = info(`${DS}@broken`, { type: 'snapshot', 'zfs.csi.dev:managed': 'true' });
    assert.deepEqual(planOf(view(volume(policy), foreign('a'), damaged)), { kind: 'wait' });
  }
});

test('destroy blocked by a clone of any foreign snapshot, or a zfs hold: held, nothing to destroy', () => {
  const clone = info(`${PARENT}/handmade-clone`, { type: 'filesystem', origin: `${DS}@b` });
  const cloned = planOf(view(volume('destroy'), foreign('a'), foreign('b'), clone));
  assert.equal(cloned.kind === 'held' && cloned.hold.reason, 'cloned');
  const held = planOf(view(volume('destroy'), foreign('a'), foreign('b', '1')));
  assert.equal(held.kind === 'held' && held.hold.reason, 'held');
});

/** A pool that destroy() really changes, so each sweep pass scans what the last one left. */
class FakePool {
  readonly destroyed: Array<[string, boolean]> = [];
  refuse = new Map<string, ZfsError>();
  constructor(public infos: DatasetInfo[]) {}
  readonly zfs = {
    destroy: async (name: string, options: { readonly defer?: boolean }): Promise<void> => {
      const refusal = this.refuse.get(name);
      if (refusal) throw refusal;
      if (!name.includes('@') && this.infos.some((i) => i.name.startsWith(`${name}@`))) throw new ZfsError('dependents', 'has children');
      this.destroyed.push([name, options.defer ?? false]);
      this.infos = this.infos.filter((i) => i.name !== name);
    },
  };
  readonly scan = async (): Promise<PoolView> => view(...this.infos);
}

test('sweep under destroy: foreign snapshots one by one without -d, then the dataset; nothing held', async () => {
  const pool = new FakePool([volume('destroy'), foreign('b'), foreign('a')]);
  const result = await new Sweeper(pool.zfs, pool.scan, new Set()).sweep(PARENT);
  assert.deepEqual(pool.destroyed, [[`${DS}@a`, false], [`${DS}@b`, false], [DS, false]]);
  assert.deepEqual(result.destroyedVolumes, [ID]);
  assert.deepEqual(result.held, []);
  assert.deepEqual(pool.infos.map((i) => i.name), [], 'nothing left');
});

test('sweep under keep: nothing destroyed, held reported; once the operator destroys them, the volume goes', async () => {
  const pool = new FakePool([volume('keep'), foreign('a')]);
  const sweeper = new Sweeper(pool.zfs, pool.scan, new Set());
  const first = await sweeper.sweep(PARENT);
  assert.deepEqual(pool.destroyed, []);
  assert.deepEqual(first.held.map((h) => [h.volumeId, h.reason]), [[ID, 'kept']]);
  assert.deepEqual(sweeper.held().map((h) => h.volumeId), [ID]);
  pool.infos = pool.infos.filter((i) => !i.name.includes('@'));
  const second = await sweeper.sweep(PARENT);
  assert.deepEqual(second.destroyedVolumes, [ID]);
  assert.deepEqual(sweeper.held(), [], 'no longer held');
});

test('a refusal the scan could not foresee (clone outside the parent) is a held volume, not a sweep that spins', async () => {
  const pool = new FakePool([volume('destroy'), foreign('a')]);
  pool.refuse.set(`${DS}@a`, new ZfsError('dependents', 'snapshot has dependent clones'));
  let scans = 0;
  const scan = async (): Promise<PoolView> => { scans++; return pool.scan(); };
  const result = await new Sweeper(pool.zfs, scan, new Set()).sweep(PARENT);
  assert.deepEqual(result.held.map((h) => h.reason), ['cloned']);
  assert.deepEqual(result.destroyedVolumes, []);
  assert.equal(scans, 1, 'one pass: the same refusal would come again');
});

test('HeldReport: a hold is news when new or changed, and again after it went away', () => {
  const report = new HeldReport();
  const hold = { volumeId: ID, dataset: DS, parent: PARENT, policy: 'keep', reason: 'kept', snapshots: [`${DS}@a`], usedBytes: 1n } as const;
  assert.equal(report.changed(PARENT, [hold]).length, 1);
  assert.equal(report.changed(PARENT, [hold]).length, 0);
  assert.equal(report.changed(PARENT, [{ ...hold, snapshots: [`${DS}@a`, `${DS}@b`] }]).length, 1);
  assert.equal(report.changed(PARENT, []).length, 0);
  assert.equal(report.changed(PARENT, [hold]).length, 1);
});

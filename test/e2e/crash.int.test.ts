/**
 * Issue 3 §6: SIGKILL a node agent (with its zfs children, as a container kill does) in the middle of a
 * create and of a delete, start it again on the same pool, let the CO retry the same call until it
 * succeeds. Afterwards: exactly one dataset (or snapshot) per CSI name, nothing half-made on the pool,
 * every resource Ready or gone, and nothing at all once everything is deleted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { poll } from '../agent/harness.js';
import { retryUntilOk } from '../safety/crash-harness.js';
import { assertWellFormed, csiNameCounts, csiSnapshotsOf, poolEntries, volumesOf } from '../safety/pool-records.js';
import { zfsTree } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import { DEADLINE, listedSnapshotIds, listedVolumeIds, sleep, volumeRequest } from './csi.js';

/** Kill points spread over a create or delete (≈ 50 ms end to end here), plus "once the dataset is there". */
const DELAYS_MS = [0, 10, 25, 45, 80];
const RETRY = { deadlineMs: 5_000 };

let k: E2eCluster;
/** What the CO believes exists on node-b: CSI name → ID. */
const volumes = new Map<string, string>();
const snapshots = new Map<string, string>();

before(async () => {
  k = await E2eCluster.start();
});
after(async () => {
  await k.cleanup();
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Fires the call, SIGKILLs node-b's agent when `when` resolves, restarts it; the call's own outcome. */
async function crashDuring<T>(call: () => Promise<T>, when: () => Promise<void>): Promise<Outcome<T>> {
  const settled = call().then((value): Outcome<T> => ({ ok: true, value }), (error: unknown): Outcome<T> => ({ ok: false, error }));
  await when();
  await k.b.agent.kill();
  await k.restart(k.b);
  const outcome = await settled;
  if (!outcome.ok) {
    // The controller's wait may outlive the call (the agent was down): a retryable code, never INTERNAL.
    const e = outcome.error;
    assert.ok(e instanceof DriverError && ['DEADLINE_EXCEEDED', 'ABORTED', 'UNAVAILABLE'].includes(e.code), `first call failed with ${String(e)}`);
  }
  return outcome;
}

const after_ = (ms: number) => () => sleep(ms);

/** Resolves once a new dataset appears under node-b's parent (the zfs create has run, status not yet written). */
const datasetAppears = (known: readonly string[]) => async (): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await zfsTree(k.b.pool.parent)).some((n) => !n.includes('@') && !known.includes(n))) return;
  }
};

/** The pool agrees with the CO: one object per name, nothing half-made, every resource Ready (or gone). */
async function assertConsistent(label: string): Promise<void> {
  const parent = k.b.pool.parent;
  const entries = await poll(() => poolEntries(parent), (e) => {
    try {
      assertWellFormed(parent, e);
      return true;
    } catch {
      return false;
    }
  }, 10_000, `${label}: a well-formed pool`);
  assertWellFormed(parent, entries);
  const volumeNames = csiNameCounts(volumesOf(entries));
  assert.deepEqual([...volumeNames.keys()].sort(), [...volumes.keys()].sort(), `${label}: datasets on the pool`);
  for (const [name, n] of volumeNames) assert.equal(n, 1, `${label}: ${n} datasets named ${name}`);
  const snapshotNames = csiNameCounts(csiSnapshotsOf(entries));
  assert.deepEqual([...snapshotNames.keys()].sort(), [...snapshots.keys()].sort(), `${label}: snapshots on the pool`);
  for (const [name, n] of snapshotNames) assert.equal(n, 1, `${label}: ${n} snapshots named ${name}`);
  const c = k.controller.client;
  assert.deepEqual(await listedVolumeIds(c), [...volumes.values()].sort(), `${label}: ListVolumes`);
  assert.deepEqual(await listedSnapshotIds(c), [...snapshots.values()].sort(), `${label}: ListSnapshots`);
  const names = await poll(() => k.resourceNames(), (r) => r.volumes.length === volumes.size && r.snapshots.length === snapshots.size, 15_000, `${label}: resources`);
  for (const id of names.volumes) assert.equal((await k.volume(id))?.status?.phase, 'Ready', `${label}: ZfsVolume ${id}`);
  for (const id of names.snapshots) assert.equal((await k.snapshot(id))?.status?.readyToUse, true, `${label}: ZfsSnapshot ${id}`);
}

test('SIGKILL node-b\'s agent during CreateVolume, restart: the retry returns the one volume made', async () => {
  const whens = [...DELAYS_MS.map(after_), 'dataset' as const];
  for (const [i, when] of whens.entries()) {
    const name = `crash-create-${i}`;
    const request = volumeRequest({ name, node: k.b.name });
    const known = await zfsTree(k.b.pool.parent);
    const first = await crashDuring(() => k.controller.client.controller.CreateVolume(request, DEADLINE), when === 'dataset' ? datasetAppears(known) : when);
    const retried = await retryUntilOk(() => k.controller.client.controller.CreateVolume(request, RETRY));
    const id = retried.volume?.volume_id ?? '';
    if (first.ok) assert.equal(id, first.value.volume?.volume_id, `${name}: the retry made a second volume`);
    volumes.set(name, id);
    await assertConsistent(`after ${name}`);
  }
});

test('SIGKILL node-b\'s agent during CreateSnapshot, restart: one snapshot per name, readyToUse', async () => {
  const source = volumes.get('crash-create-0') ?? '';
  for (const [i, delay] of DELAYS_MS.slice(0, 3).entries()) {
    const name = `crash-snap-${i}`;
    const request = { name, source_volume_id: source };
    const first = await crashDuring(() => k.controller.client.controller.CreateSnapshot(request, DEADLINE), after_(delay));
    const retried = await retryUntilOk(() => k.controller.client.controller.CreateSnapshot(request, RETRY));
    const id = retried.snapshot?.snapshot_id ?? '';
    assert.equal(retried.snapshot?.ready_to_use, true);
    if (first.ok) assert.equal(id, first.value.snapshot?.snapshot_id, `${name}: the retry made a second snapshot`);
    snapshots.set(name, id);
    await assertConsistent(`after ${name}`);
  }
});

test('SIGKILL node-b\'s agent during DeleteVolume and DeleteSnapshot, restart: the retry finishes, nothing is left', async () => {
  // Volumes without snapshots are destroyed; crash-create-0 holds the snapshots, so it is retired, then the
  // snapshot deletions (each cut by a crash too) release it and the sweep destroys it.
  const order = [...volumes.keys()].sort((a, b) => (a === 'crash-create-0' ? 1 : b === 'crash-create-0' ? -1 : a.localeCompare(b)));
  for (const [i, name] of order.entries()) {
    const id = volumes.get(name) ?? '';
    await crashDuring(() => k.controller.client.controller.DeleteVolume({ volume_id: id }, DEADLINE), after_(DELAYS_MS[i % DELAYS_MS.length] ?? 0));
    await retryUntilOk(() => k.controller.client.controller.DeleteVolume({ volume_id: id }, RETRY));
    volumes.delete(name);
    if (name !== 'crash-create-0') await assertConsistent(`after deleting ${name}`);
  }
  for (const [i, [name, id]] of [...snapshots].entries()) {
    await crashDuring(() => k.controller.client.controller.DeleteSnapshot({ snapshot_id: id }, DEADLINE), after_(DELAYS_MS[i] ?? 0));
    await retryUntilOk(() => k.controller.client.controller.DeleteSnapshot({ snapshot_id: id }, RETRY));
    snapshots.delete(name);
  }
  assert.deepEqual(await listedVolumeIds(k.controller.client), []);
  assert.deepEqual(await listedSnapshotIds(k.controller.client), []);
  await poll(() => zfsTree(k.b.pool.parent), (t) => t.length === 0, 15_000, 'node-b\'s parent empty');
  await poll(() => k.resourceNames(), (r) => r.volumes.length === 0 && r.snapshots.length === 0, 15_000, 'no resource left');
  assert.deepEqual(await zfsTree(k.a.pool.parent), [], 'node-a untouched');
});

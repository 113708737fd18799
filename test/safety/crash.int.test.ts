/**
 * Crash safety (DESIGN.md §2, §3.1): the driver is killed (with its `zfs` children) at a random point of a
 * create, snapshot, clone or delete; a new driver on the same pool, retrying the same call until it
 * succeeds, must end with exactly one object per CSI name, nothing half-made, the CO's view equal to what
 * the pool holds, and nothing left once everything is deleted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDriver } from '../support/driver.js';
import { destroyScratch, uniqueParent, zfsTree } from '../support/pool.js';
import { createSnapshot, createVolume, expectCode, listedSnapshotIds, listedVolumeIds, volumeRequest, type VolumeArgs } from './fixtures.js';
import { CrashHarness, retryUntilOk } from './crash-harness.js';
import { assertWellFormed, csiNameCounts, csiSnapshotsOf, liveVolumeIds, poolEntries, visibleSnapshotIds, volumesOf } from './pool-records.js';

const ROUNDS = 4;
const MAX_DELAY_MS = 150;
/** One delay per round, spread over 0–150 ms so every round cuts the call at a different point. */
const delays = Array.from({ length: ROUNDS }, (_, i) => Math.floor(((i + Math.random()) * MAX_DELAY_MS) / ROUNDS));

const parent = uniqueParent('t');
let dir: string;
let h: CrashHarness;
/** What the CO believes exists: name → id, for every object not deleted. */
const volumes = new Map<string, string>();
const snapshots = new Map<string, string>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-crash-'));
  h = await CrashHarness.start(() => startDriver({ parent, dir }));
});
after(async () => {
  await h.close();
  await destroyScratch(parent, [dir]);
  await rm(dir, { recursive: true, force: true });
});

/** Every invariant of a consistent pool, checked against the pool itself and the CO's view. */
async function assertConsistent(label: string): Promise<void> {
  // The start-up sweep runs in the background once state is loaded: give it a moment for orphan helpers.
  const entries = await h.eventually(async () => {
    const e = await poolEntries(parent);
    assertWellFormed(parent, e);
    return e;
  });
  const volumeNames = csiNameCounts(volumesOf(entries));
  for (const name of volumes.keys()) assert.equal(volumeNames.get(name), 1, `${label}: datasets named ${name}`);
  for (const [name, n] of volumeNames) assert.equal(n, 1, `${label}: ${n} datasets named ${name}`);
  const snapshotNames = csiNameCounts(csiSnapshotsOf(entries));
  for (const name of snapshots.keys()) assert.equal(snapshotNames.get(name), 1, `${label}: snapshots named ${name}`);
  for (const [name, n] of snapshotNames) assert.equal(n, 1, `${label}: ${n} snapshots named ${name}`);
  const c = h.driver.client;
  assert.deepEqual(await listedVolumeIds(c), liveVolumeIds(entries), `${label}: ListVolumes differs from the pool`);
  assert.deepEqual(await listedVolumeIds(c), [...volumes.values()].sort(), `${label}: ListVolumes differs from the CO's view`);
  assert.deepEqual(await listedSnapshotIds(c), visibleSnapshotIds(entries), `${label}: ListSnapshots differs from the pool`);
  assert.deepEqual(await listedSnapshotIds(c), [...snapshots.values()].sort(), `${label}: ListSnapshots differs`);
}

/** Resolves once a dataset not in `known` shows up under the parent (the clone exists, the call goes on). */
async function newDatasetAppears(known: readonly string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const fresh = (await zfsTree(parent)).filter((n) => !n.includes('@') && !known.includes(n));
    if (fresh.length > 0) return;
  }
}

/** Fires CreateVolume, crashes mid-way, retries; the retry must return the volume the first call made. */
async function crashCreateVolume(args: VolumeArgs, delay: number | (() => Promise<void>)): Promise<string> {
  const request = volumeRequest(args);
  const first = await h.crashDuring((c) => c.controller.CreateVolume(request), delay);
  const retried = await retryUntilOk(() => h.driver.client.controller.CreateVolume(request));
  const id = retried.volume?.volume_id;
  assert.ok(id);
  if (first.ok) assert.equal(id, first.value.volume?.volume_id, 'the retry made a second volume');
  volumes.set(args.name, id);
  return id;
}

for (const [round, delay] of delays.entries()) {
  test(`round ${round}: crash ${delay} ms into CreateVolume`, async () => {
    await crashCreateVolume({ name: `crash vol ü #${round}` }, delay);
    await assertConsistent(`create round ${round}`);
  });
}

for (const [round, delay] of delays.entries()) {
  test(`round ${round}: crash ${delay} ms into CreateSnapshot`, async () => {
    const c = h.driver.client;
    const source = await createVolume(c, { name: `snap-src/${round}` });
    volumes.set(`snap-src/${round}`, source);
    const name = `crash snap ü #${round}`;
    const request = { name, source_volume_id: source };
    const first = await h.crashDuring((cl) => cl.controller.CreateSnapshot(request), delay);
    const retried = await retryUntilOk(() => h.driver.client.controller.CreateSnapshot(request));
    const id = retried.snapshot?.snapshot_id;
    assert.ok(id);
    if (first.ok) {
      assert.equal(id, first.value.snapshot?.snapshot_id, 'the retry made a second snapshot');
      assert.deepEqual(retried.snapshot?.creation_time, first.value.snapshot?.creation_time);
    }
    snapshots.set(name, id);
    await assertConsistent(`snapshot round ${round}`);
  });
}

for (const [round, delay] of delays.entries()) {
  test(`round ${round}: crash ${delay} ms into a restore from a snapshot`, async () => {
    const c = h.driver.client;
    const source = await createVolume(c, { name: `restore-src/${round}` });
    volumes.set(`restore-src/${round}`, source);
    const snap = await createSnapshot(c, `restore-snap/${round}`, source);
    snapshots.set(`restore-snap/${round}`, snap);
    await crashCreateVolume({ name: `crash restore #${round}`, source: { snapshot: snap } }, delay);
    await assertConsistent(`restore round ${round}`);
  });
}

for (const [round, delay] of delays.entries()) {
  test(`round ${round}: crash ${delay} ms into a clone of a volume`, async () => {
    const source = await createVolume(h.driver.client, { name: `clone-src/${round}` });
    volumes.set(`clone-src/${round}`, source);
    await crashCreateVolume({ name: `crash clone #${round}`, source: { volume: source } }, delay);
    await assertConsistent(`clone round ${round}`);
  });
}

test('crash as soon as the clone of a volume exists, before its helper snapshot is marked deferred', async () => {
  const source = await createVolume(h.driver.client, { name: 'clone-src/pinned' });
  volumes.set('clone-src/pinned', source);
  const known = await zfsTree(parent);
  await crashCreateVolume({ name: 'crash clone pinned', source: { volume: source } }, () => newDatasetAppears(known));
  await assertConsistent('clone crashed right after zfs clone');
});

for (const [round, delay] of delays.entries()) {
  // Odd rounds: the volume has a snapshot, so the delete retires it instead of destroying it (§3.1).
  test(`round ${round}: crash ${delay} ms into DeleteVolume${round % 2 === 1 ? ' (retire)' : ''}`, async () => {
    const c = h.driver.client;
    const id = await createVolume(c, { name: `doomed/${round}` });
    if (round % 2 === 1) snapshots.set(`doomed-snap/${round}`, await createSnapshot(c, `doomed-snap/${round}`, id));
    await h.crashDuring((cl) => cl.controller.DeleteVolume({ volume_id: id }), delay);
    await retryUntilOk(() => h.driver.client.controller.DeleteVolume({ volume_id: id }));
    volumes.delete(`doomed/${round}`);
    await expectCode(h.driver.client.controller.ControllerGetVolume({ volume_id: id }), 'NOT_FOUND', 'deleted volume');
    await assertConsistent(`delete volume round ${round}`);
  });
}

for (const [round, delay] of delays.entries()) {
  // Odd rounds: a restore depends on the snapshot, so the destroy is deferred (§3.1).
  test(`round ${round}: crash ${delay} ms into DeleteSnapshot${round % 2 === 1 ? ' (deferred)' : ''}`, async () => {
    const c = h.driver.client;
    const source = await createVolume(c, { name: `unsnap-src/${round}` });
    volumes.set(`unsnap-src/${round}`, source);
    const snap = await createSnapshot(c, `unsnap/${round}`, source);
    if (round % 2 === 1) volumes.set(`unsnap-restore/${round}`, await createVolume(c, { name: `unsnap-restore/${round}`, source: { snapshot: snap } }));
    await h.crashDuring((cl) => cl.controller.DeleteSnapshot({ snapshot_id: snap }), delay);
    await retryUntilOk(() => h.driver.client.controller.DeleteSnapshot({ snapshot_id: snap }));
    await expectCode(h.driver.client.controller.GetSnapshot({ snapshot_id: snap }), 'NOT_FOUND', 'deleted snapshot');
    await assertConsistent(`delete snapshot round ${round}`);
  });
}

test('after the crashes, deleting everything leaves nothing under the parent', async () => {
  const c = h.driver.client;
  // Newest first: clones go before their sources, the order in which a helper snapshot left behind by a
  // crash would strand its source volume as retired data (nothing sweeps when a live volume's clone goes).
  for (const id of [...volumes.values()].reverse()) await c.controller.DeleteVolume({ volume_id: id });
  for (const id of snapshots.values()) await c.controller.DeleteSnapshot({ snapshot_id: id });
  volumes.clear();
  snapshots.clear();
  assert.deepEqual(await listedVolumeIds(c), []);
  assert.deepEqual(await listedSnapshotIds(c), []);
  assert.deepEqual(await zfsTree(parent), []);
});

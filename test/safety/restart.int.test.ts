/**
 * DESIGN.md §2: standalone state is rebuilt from the pool at start. A mixed state (sizes, parameters,
 * restores, clones, a retired volume whose snapshot lives on, a deleted snapshot a clone still pins) must
 * read back identically after a clean stop (SIGTERM) and after a crash (SIGKILL).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { destroyScratch, uniqueParent, zfsTree } from '../support/pool.js';
import { assertInfoEqual, capture, type Captured } from './capture.js';
import {
  MiB, createSnapshot, createVolume, listedSnapshotIds, listedVolumeIds, publishAndWrite, readThroughPublish,
  unpublish,
} from './fixtures.js';
import { assertWellFormed, liveVolumeIds, poolEntries, visibleSnapshotIds } from './pool-records.js';

const FILE = 'state.txt';
const CONTENT = 'kept across restarts\n';
const parent = uniqueParent('t');
let dir: string;
let current: Driver | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-restart-'));
});
after(async () => {
  if (current) await current.cleanup();
  await destroyScratch(parent, [dir]);
  await rm(dir, { recursive: true, force: true });
});

interface State {
  readonly volumes: string[];
  readonly snapshots: string[];
  /** Live volumes and the snapshots the CO still sees, to delete at the end. */
  readonly liveVolumes: string[];
  readonly liveSnapshots: string[];
  readonly restoreWithFile: string;
}

async function buildMixedState(d: Driver): Promise<State> {
  const c = d.client;
  const small = await createVolume(c, { name: 'small', bytes: 16n * MiB });
  const big = await createVolume(c, {
    name: 'big ü/1',
    bytes: 96n * MiB,
    params: { compression: 'on', recordsize: '64K', quotaType: 'quota', thin: 'false' },
  });
  const data = await createVolume(c, { name: 'data', bytes: 24n * MiB, params: { atime: 'off' } });
  await unpublish(d, data, await publishAndWrite(d, data, FILE, CONTENT));
  const sData = await createSnapshot(c, 'data-snap', data);
  const sSmall = await createSnapshot(c, 'small-snap', small);
  const restore = await createVolume(c, { name: 'restore', bytes: 40n * MiB, source: { snapshot: sData } });
  const clone = await createVolume(c, { name: 'clone', bytes: 96n * MiB, source: { volume: big } });
  // A retired volume: its snapshot and a restore of it outlive it.
  const old = await createVolume(c, { name: 'old', bytes: 20n * MiB });
  const sOld = await createSnapshot(c, 'old-snap', old);
  const rOld = await createVolume(c, { name: 'old-restore', source: { snapshot: sOld } });
  await c.controller.DeleteVolume({ volume_id: old });
  // A deleted snapshot that a restore still pins (deferred destroy): gone for the CO.
  const sDef = await createSnapshot(c, 'deferred-snap', data);
  const rDef = await createVolume(c, { name: 'deferred-restore', source: { snapshot: sDef } });
  await c.controller.DeleteSnapshot({ snapshot_id: sDef });
  // A destroyed volume: NOT_FOUND before and after.
  const gone = await createVolume(c, { name: 'gone' });
  await c.controller.DeleteVolume({ volume_id: gone });
  const liveVolumes = [small, big, data, restore, clone, rOld, rDef];
  const liveSnapshots = [sData, sSmall, sOld];
  return {
    volumes: [...liveVolumes, old, gone],
    snapshots: [...liveSnapshots, sDef],
    liveVolumes,
    liveSnapshots,
    restoreWithFile: restore,
  };
}

/** What the CO sees equals what the pool holds, and the pool holds only well-formed objects. */
async function assertMatchesPool(d: Driver, s: State): Promise<void> {
  const entries = await poolEntries(parent);
  assertWellFormed(parent, entries);
  assert.deepEqual(await listedVolumeIds(d.client), liveVolumeIds(entries));
  assert.deepEqual(await listedVolumeIds(d.client), [...s.liveVolumes].sort());
  assert.deepEqual(await listedSnapshotIds(d.client), visibleSnapshotIds(entries));
  assert.deepEqual(await listedSnapshotIds(d.client), [...s.liveSnapshots].sort());
}

async function restart(how: 'stop' | 'kill'): Promise<Driver> {
  const d = current;
  assert.ok(d);
  d.client.close();
  current = undefined;
  await (how === 'stop' ? d.stop() : d.kill());
  current = await startDriver({ parent, dir });
  return current;
}

test('a mixed state reads back identically after SIGTERM and after SIGKILL', async () => {
  current = await startDriver({ parent, dir });
  const state = await buildMixedState(current);
  const before: Captured = await capture(current.client, state.volumes, state.snapshots);
  assert.equal(before.listVolumes.length, state.liveVolumes.length);
  assert.equal(before.listSnapshots.length, state.liveSnapshots.length);
  assertInfoEqual(await capture(current.client, state.volumes, state.snapshots), before, 'same process');
  await assertMatchesPool(current, state);

  for (const how of ['stop', 'kill'] as const) {
    const d = await restart(how);
    assertInfoEqual(await capture(d.client, state.volumes, state.snapshots), before, `after ${how}`);
    await assertMatchesPool(d, state);
    assert.equal(await readThroughPublish(d, state.restoreWithFile, FILE), CONTENT, `after ${how}: restore lost data`);
  }

  const d = current;
  for (const id of state.liveVolumes) await d.client.controller.DeleteVolume({ volume_id: id });
  for (const id of state.liveSnapshots) await d.client.controller.DeleteSnapshot({ snapshot_id: id });
  assert.deepEqual(await zfsTree(parent), []);
});

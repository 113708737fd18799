/**
 * DESIGN.md §3.1: IDs are unique per creation, so a late retry of an old DeleteVolume (the CO re-sends it
 * after the volume was deleted and its name reused) can never touch the new volume, whether the old one
 * was destroyed or retired because a snapshot still needed its data.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import {
  createSnapshot, createVolume, listedSnapshotIds, listedVolumeIds, publishAndWrite, readThroughPublish, unpublish,
} from './fixtures.js';
import { poolEntries, volumesOf } from './pool-records.js';

const FILE = 'db.txt';
let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

/** Makes "db" again as B, writes to it, re-sends DeleteVolume(A), and checks B is untouched. */
async function recreateAndLateDelete(name: string, a: string): Promise<string> {
  const b = await createVolume(d.client, { name });
  assert.notEqual(b, a, 're-created volume reuses the old ID');
  const target = await publishAndWrite(d, b, FILE, 'B data\n');
  await unpublish(d, b, target);
  const datasetB = `${d.parent}/${b}`;
  const guidBefore = await zfsProp(datasetB, 'guid');
  await d.client.controller.DeleteVolume({ volume_id: a });
  await d.client.controller.DeleteVolume({ volume_id: a });
  assert.equal(await zfsProp(datasetB, 'guid'), guidBefore, "B's dataset was replaced or destroyed");
  assert.equal(await zfsProp(datasetB, 'mounted'), 'yes');
  assert.ok((await listedVolumeIds(d.client)).includes(b));
  assert.equal((await d.client.controller.ControllerGetVolume({ volume_id: b })).volume?.volume_id, b);
  assert.equal(await readThroughPublish(d, b, FILE), 'B data\n');
  return b;
}

test('a late DeleteVolume of a destroyed volume leaves the re-created one alone', async () => {
  const a = await createVolume(d.client, { name: 'db' });
  await d.client.controller.DeleteVolume({ volume_id: a });
  assert.deepEqual(await zfsTree(d.parent), []);
  const b = await recreateAndLateDelete('db', a);
  assert.deepEqual(await zfsTree(d.parent), [`${d.parent}/${b}`]);
  await d.client.controller.DeleteVolume({ volume_id: b });
  assert.deepEqual(await zfsTree(d.parent), []);
});

test('a late DeleteVolume of a retired volume leaves the re-created one and the old snapshot alone', async () => {
  const a = await createVolume(d.client, { name: 'db2' });
  const t = await publishAndWrite(d, a, FILE, 'A data\n');
  await unpublish(d, a, t);
  const snap = await createSnapshot(d.client, 'db2-snap', a);
  await d.client.controller.DeleteVolume({ volume_id: a });
  // Retired, not destroyed: the snapshot still needs its data.
  const retired = volumesOf(await poolEntries(d.parent)).find((e) => e.name === `${d.parent}/${a}`);
  assert.ok(retired?.local.has('retired'), 'A was not retired');
  const b = await recreateAndLateDelete('db2', a);
  // The late delete did not destroy A's data either: the snapshot is still listed and restorable.
  assert.ok((await listedSnapshotIds(d.client)).includes(snap));
  const restored = await createVolume(d.client, { name: 'db2-restore', source: { snapshot: snap } });
  assert.equal(await readThroughPublish(d, restored, FILE), 'A data\n');
  for (const id of [restored, b]) await d.client.controller.DeleteVolume({ volume_id: id });
  await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
  assert.deepEqual(await zfsTree(d.parent), []);
});

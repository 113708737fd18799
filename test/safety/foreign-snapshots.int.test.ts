/**
 * Snapshots the driver did not make (issue #10 part 3, docs/snapshots.md): a real standalone driver through
 * gRPC on zfs-fuse, snapshots, holds and clones made by hand with `zfs`, under each `foreignSnapshots` policy,
 * with and without the driver's own snapshots beside them. Every case ends with nothing under the parent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { METRIC } from '../../src/metrics/names.js';
import { find } from '../metrics/exposition.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { createSnapshot, createVolume, expectCode, sleep } from './fixtures.js';
import { freePort } from '../support/port.js';

let d: Driver;
let metricsUrl: string;

before(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  // A one-second sweep stands in for the operator waiting for the next periodic sweep.
  d = await startDriver({ extraArgs: ['--sweep-interval', '1', '--metrics-address', `127.0.0.1:${port}`] });
});
after(async () => {
  await d.cleanup();
});

const zfs = (...args: string[]) => execa('/sbin/zfs', args);
const dataset = (id: string): string => `${d.parent}/${id}`;

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; pool: ${(await zfsTree(d.parent)).join(', ')}`);
    await sleep(200);
  }
}

async function heldMetric(): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  return find(text, METRIC.heldByForeign, { parent: d.parent })[0]?.value;
}

async function listedVolumes(): Promise<string[]> {
  const r = await d.client.controller.ListVolumes({ max_entries: 0, starting_token: '' });
  return r.entries.map((e) => e.volume?.volume_id ?? '');
}

const MAIN = new URL('../../src/app/main.js', import.meta.url).pathname;
/** `zfs-csi ctl held-volumes`, the real CLI over the driver's admin socket. */
const heldVolumes = () => execa(process.execPath, [MAIN, 'ctl', '--endpoint', d.endpoint, 'held-volumes'], { reject: false, timeout: 30_000 });

const nothingLeft = async (): Promise<boolean> => (await zfsTree(d.parent)).length === 0;

test('keep (default): DeleteVolume retires and reports; the operator destroys the snapshot, the sweep the volume', async () => {
  const id = await createVolume(d.client, { name: 'keep-1' });
  await zfs('snapshot', `${dataset(id)}@autosnap_daily`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.ok(!(await listedVolumes()).includes(id), 'gone from the CO at once');
  assert.deepEqual(await zfsTree(d.parent), [dataset(id), `${dataset(id)}@autosnap_daily`], 'nothing foreign touched');
  assert.ok((await zfsProp(dataset(id), 'zfs.csi.dev:retired'))?.match(/^\d{4}-/), 'retired');
  await until('the held report in the log', async () => d.logs().includes(`retired volume ${id}`) && d.logs().includes('autosnap_daily'));
  await until('the held metric', async () => (await heldMetric()) === 1);
  const report = await heldVolumes();
  assert.equal(report.exitCode, 0, report.stderr);
  assert.match(report.stdout, new RegExp(`^${id} +${dataset(id)} +\\S.* +kept +@autosnap_daily +zfs destroy the snapshots`, 'm'));
  await zfs('destroy', `${dataset(id)}@autosnap_daily`);
  await until('the sweep to destroy the volume', nothingLeft);
  await until('the held metric back to 0', async () => (await heldMetric()) === 0);
  assert.equal((await heldVolumes()).stdout, 'no deleted volume is kept by foreign snapshots');
});

test('destroy: DeleteVolume destroys the foreign snapshots by name and the volume, before it answers', async () => {
  const id = await createVolume(d.client, { name: 'destroy-1', params: { foreignSnapshots: 'destroy' } });
  await zfs('snapshot', `${dataset(id)}@a`);
  await zfs('snapshot', `${dataset(id)}@b`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.deepEqual(await zfsTree(d.parent), []);
  await d.client.controller.DeleteVolume({ volume_id: id }); // idempotent: gone is OK
});

test('destroy beside a CSI snapshot: the volume waits for it, then goes with the foreign snapshot', async () => {
  const id = await createVolume(d.client, { name: 'destroy-2', params: { foreignSnapshots: 'destroy' } });
  const snap = await createSnapshot(d.client, 'destroy-2-snap', id);
  await zfs('snapshot', `${dataset(id)}@handmade`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.deepEqual(await zfsTree(d.parent), [dataset(id), `${dataset(id)}@handmade`, `${dataset(id)}@${snap}`].sort());
  await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
  assert.deepEqual(await zfsTree(d.parent), [], 'the delete\'s sweep applied the policy');
});

test('keep beside a CSI snapshot: after DeleteSnapshot the volume is held, and goes once the operator acts', async () => {
  const id = await createVolume(d.client, { name: 'keep-2', params: { foreignSnapshots: 'keep' } });
  const snap = await createSnapshot(d.client, 'keep-2-snap', id);
  await zfs('snapshot', `${dataset(id)}@handmade`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
  assert.deepEqual(await zfsTree(d.parent), [dataset(id), `${dataset(id)}@handmade`]);
  await until('the held report', async () => d.logs().includes(`retired volume ${id}`));
  await zfs('destroy', `${dataset(id)}@handmade`);
  await until('the sweep to destroy the volume', nothingLeft);
});

test('destroy with a zfs hold: retired and reported as held, nothing destroyed; after zfs release the sweep finishes', async () => {
  const id = await createVolume(d.client, { name: 'destroy-hold', params: { foreignSnapshots: 'destroy' } });
  await zfs('snapshot', `${dataset(id)}@a`);
  await zfs('snapshot', `${dataset(id)}@kept`);
  await zfs('hold', 'backup', `${dataset(id)}@kept`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.deepEqual(await zfsTree(d.parent), [dataset(id), `${dataset(id)}@a`, `${dataset(id)}@kept`], 'all or nothing');
  await until('the held report', async () => d.logs().includes(`retired volume ${id}`) && d.logs().includes('zfs hold'));
  await zfs('release', 'backup', `${dataset(id)}@kept`);
  await until('the sweep to destroy everything', nothingLeft);
});

test('destroy with a clone of a foreign snapshot: the origin is never destroyed; once the clone goes, all goes', async () => {
  const id = await createVolume(d.client, { name: 'destroy-clone', params: { foreignSnapshots: 'destroy' } });
  await zfs('snapshot', `${dataset(id)}@origin`);
  const clone = `${d.parent}/handmade-clone`;
  await zfs('clone', '-o', 'mountpoint=none', `${dataset(id)}@origin`, clone);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.deepEqual(await zfsTree(d.parent), [clone, dataset(id), `${dataset(id)}@origin`]);
  await until('the held report', async () => d.logs().includes(`retired volume ${id}`) && d.logs().includes('clones'));
  await zfs('destroy', clone);
  await until('the sweep to destroy everything', nothingLeft);
});

test('ModifyVolume foreignSnapshots=destroy on a keep volume: the later DeleteVolume destroys', async () => {
  const id = await createVolume(d.client, { name: 'modify-1' });
  await d.client.controller.ControllerModifyVolume({ volume_id: id, mutable_parameters: { foreignSnapshots: 'destroy' } });
  await zfs('snapshot', `${dataset(id)}@a`);
  await d.client.controller.DeleteVolume({ volume_id: id });
  assert.deepEqual(await zfsTree(d.parent), []);
});

test('a bad value is INVALID_ARGUMENT naming the key and the values, and nothing is made', async () => {
  const bad = createVolume(d.client, { name: 'bad-1', params: { foreignSnapshots: 'maybe' } });
  await expectCode(bad, 'INVALID_ARGUMENT', 'foreignSnapshots=maybe');
  await assert.rejects(createVolume(d.client, { name: 'bad-1', params: { foreignSnapshots: 'maybe' } }), /foreignSnapshots: "maybe" is not one of keep\|destroy/);
  assert.deepEqual(await zfsTree(d.parent), []);
});

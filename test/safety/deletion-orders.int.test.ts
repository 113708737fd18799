/**
 * DESIGN.md §3.1 data-safety matrix: a volume V (published, a file written), its snapshot S, a restore C1
 * of S and a clone C2 of V, deleted in every one of the 24 orders. After each delete the rest still works
 * and holds the data, the deleted object is gone from the CO's view at once, and after the last delete
 * nothing is left on the pool.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CsiClient } from '../../src/grpc/client.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';
import {
  createSnapshot, createVolume, expectCode, listedSnapshotIds, listedVolumeIds, publishAndWrite,
  readThroughPublish, sleep, unpublish,
} from './fixtures.js';

type Key = 'V' | 'S' | 'C1' | 'C2';
const FILE = 'data.txt';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

interface World {
  readonly ids: Record<Key, string>;
  readonly content: string;
  /** Where V is published (a pod using it) until V's turn comes. */
  vTarget: string | undefined;
}

let d: Driver;
const capacityFailures: string[] = [];
let polling = true;
let poller: Promise<void> | undefined;

/** GetCapacity must answer throughout (DESIGN.md §3.1: retired space is reported, never an error). */
async function pollCapacity(c: CsiClient): Promise<void> {
  while (polling) {
    try {
      const r = await c.controller.GetCapacity({});
      if (BigInt(r.available_capacity) <= 0n) capacityFailures.push(`available_capacity ${r.available_capacity}`);
    } catch (err) {
      capacityFailures.push(String(err));
    }
    await sleep(50);
  }
}

before(async () => {
  d = await startDriver();
  poller = pollCapacity(d.client);
});
after(async () => {
  polling = false;
  await poller;
  await d.cleanup();
});

async function build(tag: string): Promise<World> {
  const c = d.client;
  const content = `order ${tag}: ${randomBytes(8).toString('hex')}\n`;
  const V = await createVolume(c, { name: `${tag}-v` });
  const vTarget = await publishAndWrite(d, V, FILE, content);
  const S = await createSnapshot(c, `${tag}-s`, V);
  const C1 = await createVolume(c, { name: `${tag}-c1`, source: { snapshot: S } });
  const C2 = await createVolume(c, { name: `${tag}-c2`, source: { volume: V } });
  return { ids: { V, S, C1, C2 }, content, vTarget };
}

async function remove(w: World, key: Key): Promise<void> {
  const c = d.client;
  if (key === 'S') {
    await c.controller.DeleteSnapshot({ snapshot_id: w.ids.S });
    return;
  }
  if (key === 'V' && w.vTarget !== undefined) {
    // Still published: refused and untouched (§3.1), then the pod goes away.
    await expectCode(c.controller.DeleteVolume({ volume_id: w.ids.V }), 'FAILED_PRECONDITION', 'delete published V');
    await unpublish(d, w.ids.V, w.vTarget);
    w.vTarget = undefined;
  }
  await c.controller.DeleteVolume({ volume_id: w.ids[key] });
}

/** The deleted object is gone from every view at once. */
async function assertGone(w: World, key: Key, label: string): Promise<void> {
  const c = d.client;
  const id = w.ids[key];
  if (key === 'S') {
    assert.ok(!(await listedSnapshotIds(c)).includes(id), `${label}: S still listed`);
    await expectCode(c.controller.GetSnapshot({ snapshot_id: id }), 'NOT_FOUND', `${label}: GetSnapshot(S)`);
  } else {
    assert.ok(!(await listedVolumeIds(c)).includes(id), `${label}: ${key} still listed`);
    await expectCode(c.controller.ControllerGetVolume({ volume_id: id }), 'NOT_FOUND', `${label}: get ${key}`);
  }
}

/** Every object not yet deleted is listed, answers Get, and still holds the file. */
async function assertAlive(w: World, key: Key, label: string): Promise<void> {
  const c = d.client;
  const id = w.ids[key];
  if (key === 'S') {
    assert.ok((await listedSnapshotIds(c)).includes(id), `${label}: S not listed`);
    const got = await c.controller.GetSnapshot({ snapshot_id: id });
    assert.equal(got.snapshot?.snapshot_id, id);
    const temp = await createVolume(c, { name: `${label}-restore-${randomBytes(3).toString('hex')}`, source: { snapshot: id } });
    assert.equal(await readThroughPublish(d, temp, FILE), w.content, `${label}: restore of S lost the file`);
    await c.controller.DeleteVolume({ volume_id: temp });
    return;
  }
  assert.ok((await listedVolumeIds(c)).includes(id), `${label}: ${key} not listed`);
  const got = await c.controller.ControllerGetVolume({ volume_id: id });
  assert.equal(got.volume?.volume_id, id);
  assert.equal(await readThroughPublish(d, id, FILE), w.content, `${label}: ${key} lost the file`);
}

const ORDERS = permutations<Key>(['V', 'S', 'C1', 'C2']);

test('there are 24 deletion orders', () => {
  assert.equal(ORDERS.length, 24);
  assert.equal(new Set(ORDERS.map((o) => o.join(','))).size, 24);
});

for (const [n, order] of ORDERS.entries()) {
  test(`delete in order ${order.join(' → ')}: the rest keeps working, nothing is left`, async () => {
    const w = await build(`o${n}`);
    const left = [...order];
    while (left.length > 0) {
      const key = left.shift() as Key;
      const label = `order ${order.join(',')} after deleting ${key}`;
      await remove(w, key);
      await assertGone(w, key, label);
      for (const rest of left) await assertAlive(w, rest, label);
      await d.client.controller.GetCapacity({});
    }
    assert.deepEqual(await zfsTree(d.parent), [], `order ${order.join(',')}: data left on the pool`);
  });
}

test('GetCapacity never failed while objects were deleted in every order', () => {
  assert.deepEqual(capacityFailures, []);
});

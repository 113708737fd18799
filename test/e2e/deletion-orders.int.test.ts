/**
 * Issue 3 §6 "delete in every order", end to end in Kubernetes mode: on each node a volume V (published, a
 * file written), its snapshot S, a restore R of S and a clone C of V, deleted through the controller in
 * each of the 24 orders. After every delete the deleted object is gone for the CO at once, the rest still
 * answers and holds the file; after the last one neither a dataset nor a resource of that set is left.
 * Orders run four at a time, alternating between node-a and node-b.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { poll } from '../agent/harness.js';
import { zfsTree } from '../support/pool.js';
import { E2eCluster, type E2eNode } from './cluster.js';
import {
  createSnapshot, createVolume, DEADLINE, expectCode, listedSnapshotIds, listedVolumeIds, publish,
  readThroughPublish, unpublish, writeSynced,
} from './csi.js';

type Key = 'V' | 'S' | 'R' | 'C';
const FILE = 'data.txt';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const ORDERS = permutations<Key>(['V', 'S', 'R', 'C']);

interface World {
  readonly node: E2eNode;
  readonly ids: Record<Key, string>;
  readonly content: string;
  /** V's pod target until V's turn comes. */
  vTarget: string | undefined;
}

let k: E2eCluster;
before(async () => {
  k = await E2eCluster.start();
});
after(async () => {
  await k.cleanup();
});

async function build(tag: string, node: E2eNode): Promise<World> {
  const c = k.controller.client;
  const content = `order ${tag}: ${randomBytes(8).toString('hex')}\n`;
  const V = (await createVolume(c, { name: `${tag}-v`, node: node.name })).id;
  const vTarget = await publish(node, V);
  await writeSynced(join(vTarget, FILE), content);
  const S = await createSnapshot(c, `${tag}-s`, V);
  const R = await createVolume(c, { name: `${tag}-r`, source: { snapshot: S } });
  const C = await createVolume(c, { name: `${tag}-c`, source: { volume: V } });
  assert.equal(R.node, node.name, 'a restore sits beside its snapshot');
  assert.equal(C.node, node.name, 'a clone sits beside its source');
  return { node, ids: { V, S, R: R.id, C: C.id }, content, vTarget };
}

async function remove(w: World, key: Key): Promise<void> {
  const c = k.controller.client;
  if (key === 'S') return void (await c.controller.DeleteSnapshot({ snapshot_id: w.ids.S }, DEADLINE));
  if (key === 'V' && w.vTarget !== undefined) {
    // Still used by a pod: refused, untouched; then the pod goes away.
    await expectCode(c.controller.DeleteVolume({ volume_id: w.ids.V }, DEADLINE), 'FAILED_PRECONDITION', 'delete a published V');
    await unpublish(w.node, w.ids.V, w.vTarget);
    w.vTarget = undefined;
  }
  await c.controller.DeleteVolume({ volume_id: w.ids[key] }, DEADLINE);
}

async function assertGone(w: World, key: Key, label: string): Promise<void> {
  const c = k.controller.client;
  const id = w.ids[key];
  if (key === 'S') {
    assert.ok(!(await listedSnapshotIds(c)).includes(id), `${label}: S still listed`);
    await expectCode(c.controller.GetSnapshot({ snapshot_id: id }), 'NOT_FOUND', `${label}: GetSnapshot(S)`);
  } else {
    assert.ok(!(await listedVolumeIds(c)).includes(id), `${label}: ${key} still listed`);
    await expectCode(c.controller.ControllerGetVolume({ volume_id: id }), 'NOT_FOUND', `${label}: ControllerGetVolume(${key})`);
  }
}

async function assertAlive(w: World, key: Key, label: string): Promise<void> {
  const c = k.controller.client;
  const id = w.ids[key];
  if (key === 'S') {
    assert.ok((await listedSnapshotIds(c)).includes(id), `${label}: S not listed`);
    return;
  }
  assert.ok((await listedVolumeIds(c)).includes(id), `${label}: ${key} not listed`);
  assert.equal((await c.controller.ControllerGetVolume({ volume_id: id })).volume?.volume_id, id);
  if (key === 'V' && w.vTarget !== undefined) return; // the pod still has it; read below would need a second publish
  assert.equal(await readThroughPublish(w.node, id, FILE), w.content, `${label}: ${key} lost the file`);
}

/** Nothing of this set left: no dataset or snapshot naming one of its IDs, no resource. */
async function assertNothingLeft(w: World, label: string): Promise<void> {
  const ours = (name: string): boolean => Object.values(w.ids).some((id) => name.includes(id));
  await poll(() => zfsTree(w.node.pool.parent), (t) => !t.some(ours), 15_000, `${label}: datasets left`);
  try {
    await poll(() => k.resourceNames(), (r) => ![...r.volumes, ...r.snapshots].some(ours), 15_000, `${label}: resources left`);
  } catch (err) {
    const left = await Promise.all(Object.entries(w.ids).map(async ([key, id]) => [key, key === 'S' ? await k.snapshot(id) : await k.volume(id)]));
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${JSON.stringify(Object.fromEntries(left), null, 1)}`);
  }
}

describe('every deletion order through the controller', { concurrency: 4 }, () => {
  for (const [n, order] of ORDERS.entries()) {
    test(`order ${order.join(' → ')}`, async () => {
      const w = await build(`o${n}`, n % 2 === 0 ? k.b : k.a);
      const left = [...order];
      while (left.length > 0) {
        const key = left.shift() as Key;
        const label = `order ${order.join(',')} on ${w.node.name} after deleting ${key}`;
        await remove(w, key);
        await assertGone(w, key, label);
        for (const rest of left) await assertAlive(w, rest, label);
      }
      await assertNothingLeft(w, `order ${order.join(',')}`);
    });
  }
});

test('after all 24 orders both parents are empty and no resource is left', async () => {
  assert.equal(ORDERS.length, 24);
  assert.deepEqual(await zfsTree(k.a.pool.parent), []);
  assert.deepEqual(await zfsTree(k.b.pool.parent), []);
  assert.deepEqual(await k.resourceNames(), { volumes: [], snapshots: [] });
  assert.deepEqual(await listedVolumeIds(k.controller.client), []);
  assert.deepEqual(await listedSnapshotIds(k.controller.client), []);
});

/**
 * DESIGN.md §4 rule 10, issue #7: the agent never invents an absence. A parent or pool it cannot see makes
 * volumes Unavailable (never Lost or Destroyed), it is never re-created once it held data, and what comes back
 * is Ready again by itself. Real zfs-fuse pools, the fake API server, the real agent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { DriverError } from '../../src/domain/errors.js';
import { parentMarkOf } from '../../src/provision/parent-presence.js';
import { decodeNode } from '../../src/store/kube/decode.js';
import { API_VERSION, FINALIZER, NODE_LABEL, PLURAL } from '../../src/store/kube/resources.js';
import { createNodePool } from '../e2e/pools.js';
import { destroyScratch, uniqueParent, zfsProp } from '../support/pool.js';
import { AgentBench, MiB } from './harness.js';

const FAST = { presenceIntervalMs: 100, sweepIntervalMs: 300 } as const;

async function zfs(...args: string[]): Promise<void> {
  await execa('/sbin/zfs', args, { env: { LC_ALL: 'C' } });
}

/** zfs-fuse answers "dataset is busy" for a moment after mounts change. */
async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await execa('/sbin/zfs', ['rename', from, to], { reject: false, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0) return;
    if (attempt >= 20 || !/busy/.test(r.stderr)) throw new Error(`zfs rename ${from} ${to}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function exportRetrying(pool: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await execa('/sbin/zpool', ['export', '-f', pool], { reject: false, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0) return;
    if (attempt >= 20) throw new Error(`zpool export ${pool}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function nodeCondition(b: AgentBench, type: string): Promise<string | undefined> {
  await b.agent?.publishNode();
  const node = decodeNode(await b.api.get(PLURAL.node, b.node));
  return node?.status?.conditions?.find((c) => c.type === type)?.status;
}

test('a renamed parent is ParentMissing: not re-created, volumes Unavailable (not Lost), a delete waits; renamed back, all recovers', async () => {
  const b = await AgentBench.create();
  const moved = `${b.parent}-moved`;
  try {
    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    const kept = await b.createVolume();
    const doomed = await b.createVolume();
    await b.waitReady(kept);
    await b.waitReady(doomed);
    await b.stopAgent();
    await renameRetrying(b.parent, moved);

    const agent = b.startAgent(FAST);
    const report = await agent.whenAdopted();
    assert.deepEqual(report.lost, []);
    assert.deepEqual([...report.unavailable].sort(), [kept, doomed].sort());
    assert.equal(await zfsProp(b.parent, 'type'), undefined, 'the missing parent is not re-created');
    assert.equal((await b.volume(kept))?.status?.phase, 'Unavailable');
    await assert.rejects(agent.nodeLookup().lookup(kept), (err: unknown) => err instanceof DriverError && err.code === 'UNAVAILABLE',
      'the Node service answers UNAVAILABLE for it, never NOT_FOUND');
    assert.ok(b.events.some((e) => e.reason === 'ParentMissing' && e.involved.kind === 'ZfsNode'));
    assert.ok(b.events.some((e) => e.reason === 'VolumeUnavailable' && e.involved.name === kept));
    assert.equal(await nodeCondition(b, 'ParentMissing'), 'True');

    await b.requestDeletion(PLURAL.volume, doomed);
    const waiting = await b.waitVolume(doomed, (v) => v?.status?.code === 'UNAVAILABLE' && v.spec.deletionRequested === true);
    assert.equal(waiting?.status?.deletion, undefined, 'a delete of what cannot be seen is never reported done');
    assert.equal(waiting?.status?.phase, 'Unavailable');
    assert.ok(waiting?.metadata.finalizers?.includes(FINALIZER));

    await renameRetrying(moved, b.parent);
    await b.waitVolume(kept, (v) => v?.status?.phase === 'Ready' && v.status.code === undefined);
    assert.ok(b.events.some((e) => e.reason === 'VolumeRecovered' && e.involved.name === kept));
    await b.waitVolume(doomed, (v) => v?.status?.deletion === 'Destroyed');
    assert.equal(await zfsProp(`${b.parent}/${doomed}`, 'type'), undefined, 'destroyed once it could be seen');
    assert.equal(await zfsProp(`${b.parent}/${kept}`, 'type'), 'filesystem');
    assert.equal(await nodeCondition(b, 'ParentMissing'), 'False');
  } finally {
    await b.cleanup();
    await destroyScratch(moved);
  }
});

test('first install creates the parent and records it on the pool; a recorded parent destroyed by hand is not re-created', async () => {
  const b = await AgentBench.create();
  const pool = b.parent.split('/')[0] ?? '';
  try {
    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    assert.equal(await zfsProp(b.parent, 'type'), 'filesystem', 'created on first install');
    assert.equal(await zfsProp(pool, parentMarkOf(b.parent)), b.parent, 'recorded on the pool root');
    await b.stopAgent();
    await zfs('destroy', b.parent);

    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    await b.agent?.idle();
    assert.equal(await zfsProp(b.parent, 'type'), undefined, 'a parent that was seen is never made again');
    assert.equal(await nodeCondition(b, 'ParentMissing'), 'True');
    assert.equal(await nodeCondition(b, 'Ready'), 'False');
  } finally {
    await b.cleanup();
  }
});

test('a resource with the finalizer is evidence too: its missing parent is not created even without the pool record', async () => {
  const b = await AgentBench.create();
  try {
    await b.api.create(PLURAL.volume, {
      apiVersion: API_VERSION, kind: 'ZfsVolume',
      metadata: { name: 'pvc-evidence', labels: { [NODE_LABEL]: b.node }, finalizers: [FINALIZER] },
      spec: {
        csiName: 'evidence', volumeId: 'pvc-evidence', nodeName: b.node, parentDataset: b.parent,
        requestedBytes: String(32n * MiB), properties: {}, quotaType: 'refquota', thin: true,
      },
      status: { phase: 'Ready', dataset: `${b.parent}/pvc-evidence`, capacityBytes: String(32n * MiB) },
    });
    await b.api.patchStatus(PLURAL.volume, 'pvc-evidence', { phase: 'Ready', dataset: `${b.parent}/pvc-evidence`, capacityBytes: String(32n * MiB) });
    const agent = b.startAgent(FAST);
    const report = await agent.whenAdopted();
    assert.deepEqual(report.unavailable, ['pvc-evidence']);
    assert.equal(await zfsProp(b.parent, 'type'), undefined);
    assert.equal((await b.volume('pvc-evidence'))?.status?.phase, 'Unavailable');
  } finally {
    await b.api.patch(PLURAL.volume, 'pvc-evidence', { metadata: { finalizers: null } }).catch(() => undefined);
    await b.cleanup();
  }
});

test('an exported pool is PoolUnavailable: volumes Unavailable, nothing destroyed; imported again, Ready by itself', async () => {
  const pool = await createNodePool(`absent${process.pid}`, '128M');
  const b = await AgentBench.create({ parent: pool.parent });
  try {
    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    const id = await b.createVolume();
    await b.waitReady(id);
    await exportRetrying(pool.pool);
    await b.waitVolume(id, (v) => v?.status?.phase === 'Unavailable');
    assert.equal(await nodeCondition(b, 'PoolUnavailable'), 'True');
    assert.ok(b.events.some((e) => e.reason === 'PoolUnavailable'));

    await execa('/sbin/zpool', ['import', '-d', pool.image.slice(0, pool.image.lastIndexOf('/')), pool.pool]);
    await b.waitVolume(id, (v) => v?.status?.phase === 'Ready' && v.status.code === undefined);
    assert.ok(b.events.some((e) => e.reason === 'VolumeRecovered' && e.involved.name === id));
    assert.ok(b.events.some((e) => e.reason === 'ParentAvailable'));
    assert.equal(await nodeCondition(b, 'PoolUnavailable'), 'False');
  } finally {
    await b.stopAgent();
    await pool.destroy();
    await b.cleanup();
  }
});

test('a Lost volume whose dataset comes back is Ready again, with an Event', async () => {
  const b = await AgentBench.create();
  try {
    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    const id = await b.createVolume();
    await b.waitReady(id);
    await b.stopAgent();
    await renameRetrying(`${b.parent}/${id}`, `${b.parent}/away-${id}`);
    const agent = b.startAgent(FAST);
    assert.deepEqual((await agent.whenAdopted()).lost, [id]);
    await renameRetrying(`${b.parent}/away-${id}`, `${b.parent}/${id}`);
    await b.waitVolume(id, (v) => v?.status?.phase === 'Ready' && v.status.code === undefined);
    assert.ok(b.events.some((e) => e.reason === 'VolumeRecovered' && e.involved.name === id));
  } finally {
    await b.cleanup();
  }
});

test('a parent no longer configured: deletion is refused with FAILED_PRECONDITION, data and finalizer kept', async () => {
  const b = await AgentBench.create();
  const other = uniqueParent('other');
  try {
    b.startAgent(FAST);
    await b.agent?.whenAdopted();
    const id = await b.createVolume();
    await b.waitReady(id);
    await b.stopAgent();

    b.startAgent({ ...FAST, parents: [other] });
    await b.agent?.whenAdopted();
    await b.requestDeletion(PLURAL.volume, id);
    const refused = await b.waitVolume(id, (v) => v?.status?.code === 'FAILED_PRECONDITION');
    assert.match(refused?.status?.message ?? '', /no longer configured.*finalizer stays/);
    await b.api.delete(PLURAL.volume, id);
    await new Promise((r) => setTimeout(r, 500));
    await b.agent?.idle();
    const still = await b.volume(id);
    assert.ok(still?.metadata.finalizers?.includes(FINALIZER), 'the finalizer stays');
    assert.equal(await zfsProp(`${b.parent}/${id}`, 'type'), 'filesystem', 'the data stays');
    await b.stopAgent();

    b.startAgent(FAST); // configured again: the recorded intent is carried out
    await b.waitVolume(id, (v) => v === undefined);
    assert.equal(await zfsProp(`${b.parent}/${id}`, 'type'), undefined);
  } finally {
    await b.cleanup();
    await destroyScratch(other);
  }
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newVolumeId } from '../../src/csi/ids.js';
import { decodeNode } from '../../src/store/kube/decode.js';
import { PLURAL } from '../../src/store/kube/resources.js';
import { zfsTree } from '../support/pool.js';
import { AgentBench, MiB, NO_MOUNT, poll } from './harness.js';

const MUTATING = ['create', 'clone', 'snapshot', 'destroy', 'set', 'mount', 'unmount'];
const zfsVerbs = (commands: readonly string[][]): string[] => commands.map((c) => c[1] ?? '');

test('an unavailable pool never reads as deleted: not ready, resources untouched', async () => {
  const b = await AgentBench.create({ parent: `nopool${randomBytes(3).toString('hex')}/csi` });
  try {
    const id = await b.createVolume();
    const agent = b.startAgent();
    await new Promise((r) => setTimeout(r, 1500)); // several start-up attempts (startRetryMs 100)
    assert.equal(await agent.ready(), false);
    const v = await b.volume(id);
    assert.deepEqual(v?.metadata.finalizers ?? [], [], 'no finalizer added');
    // Said as UNAVAILABLE (retryable), never as a terminal failure or a loss.
    assert.equal(v?.status?.phase ?? 'Pending', 'Pending');
    assert.ok(v?.status?.code === undefined || v.status.code === 'UNAVAILABLE', `code ${v?.status?.code}`);
    assert.ok(!zfsVerbs(b.commands).some((verb) => MUTATING.includes(verb)), 'no mutating zfs command ran');
    // The ZfsNode says why: the pool is not there.
    const node = decodeNode(await b.api.get(PLURAL.node, b.node));
    assert.equal(node?.status?.parents?.[0]?.health, 'UNAVAILABLE');
    assert.equal(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  } finally {
    await b.cleanup();
  }
});

test('restart: a new agent adopts Ready resources with a constant number of zfs calls and no writes', async () => {
  const b = await AgentBench.create();
  try {
    b.startAgent();
    await b.agent?.whenAdopted();
    const volumes: string[] = [];
    for (let i = 0; i < 5; i++) volumes.push(await b.createVolume());
    for (const id of volumes) await b.waitReady(id);
    const snapshots = [await b.createSnapshot(volumes[0] ?? ''), await b.createSnapshot(volumes[1] ?? '')];
    for (const s of snapshots) await b.waitSnapshot(s, (x) => x?.status?.readyToUse === true);
    await b.agent?.idle();
    await b.stopAgent();
    const before = await zfsTree(b.parent);
    const versions = await Promise.all(volumes.map(async (id) => (await b.volume(id))?.metadata.resourceVersion));

    b.commands.length = 0;
    const requestsBefore = b.target.fake?.requests.all.length ?? 0;
    const agent = b.startAgent();
    const report = await agent.whenAdopted();
    await agent.idle();
    assert.equal(await agent.ready(), true);
    assert.deepEqual(report, { volumes: 5, snapshots: 2, queued: 0, lost: [], unavailable: [], recovered: [], drift: [] });
    assert.deepEqual(await zfsTree(b.parent), before, 'no duplicate or missing datasets');
    for (const [i, id] of volumes.entries()) {
      const v = await b.volume(id);
      assert.equal(v?.status?.phase, 'Ready');
      assert.equal(v?.metadata.resourceVersion, versions[i], 'no API write for an adopted Ready volume');
    }
    const verbs = zfsVerbs(b.commands.filter((c) => c[0] === '/sbin/zfs'));
    assert.ok(!verbs.some((verb) => MUTATING.includes(verb)), `no mutating zfs calls: ${verbs.join(' ')}`);
    assert.ok(b.commands.length <= 10, `a constant number of zfs calls at start, got ${b.commands.length}`);
    if (b.target.fake) {
      const writes = b.target.fake.requests.all.slice(requestsBefore)
        .filter((r) => r.method !== 'GET' && /zfs(volumes|snapshots)/.test(r.path));
      assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), []);
    }
  } finally {
    await b.cleanup();
  }
});

test('restart: a Ready resource whose dataset vanished becomes Lost (never re-created); a dataset with no resource is drift, untouched', async () => {
  const b = await AgentBench.create();
  try {
    b.startAgent();
    await b.agent?.whenAdopted();
    const kept = await b.createVolume();
    const vanishing = await b.createVolume();
    await b.waitReady(kept);
    await b.waitReady(vanishing);
    await b.stopAgent();
    // Behind the driver's back: one dataset destroyed, one managed dataset made without a resource.
    await b.zfs.destroy(`${b.parent}/${vanishing}`, {});
    const orphanId = newVolumeId();
    const orphan = await b.provisioner.createVolume({
      id: orphanId, name: 'orphan', node: b.node, parent: b.parent, capacityBytes: 16n * MiB,
      params: { properties: NO_MOUNT ? { canmount: 'noauto' } : {}, quotaType: 'refquota', thin: true },
    }, undefined, new AbortController().signal);

    const agent = b.startAgent();
    const report = await agent.whenAdopted();
    assert.deepEqual(report.lost, [vanishing]);
    assert.deepEqual(report.drift, [orphan.dataset]);
    const lost = await b.volume(vanishing);
    assert.equal(lost?.status?.phase, 'Lost');
    assert.ok(b.events.some((e) => e.reason === 'DatasetLost' && e.involved.name === vanishing));
    assert.ok(b.events.some((e) => e.reason === 'Drift' && e.involved.kind === 'ZfsNode' && e.message.includes(orphan.dataset)));
    await agent.idle();
    const tree = await zfsTree(b.parent);
    assert.ok(!tree.includes(`${b.parent}/${vanishing}`), 'the lost dataset is not re-created');
    assert.ok(tree.includes(orphan.dataset), 'the orphan is left alone');
    assert.equal((await b.volume(kept))?.status?.phase, 'Ready');
    await agent.publishNode();
    const node = decodeNode(await b.api.get(PLURAL.node, b.node));
    const drift = node?.status?.conditions?.find((c) => c.type === 'Drift');
    assert.equal(drift?.status, 'True');
    assert.ok(drift?.message.includes(orphan.dataset));
  } finally {
    await b.cleanup();
  }
});

test('the ZfsNode is created and its status carries capacity, versions, heartbeat and Ready', async () => {
  const b = await AgentBench.create();
  try {
    const agent = b.startAgent({ heartbeatMs: 200 });
    await agent.whenAdopted();
    const id = await b.createVolume({ bytes: 64n * MiB });
    await b.waitReady(id);
    const first = await poll(
      async () => decodeNode(await b.api.get(PLURAL.node, b.node)),
      (n) => n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      10_000, 'ZfsNode Ready',
    );
    const parent = first?.status?.parents?.[0];
    assert.equal(parent?.parent, b.parent);
    assert.equal(parent?.pool, b.parent.split('/')[0]);
    assert.equal(parent?.health, 'ONLINE');
    assert.ok(BigInt(parent?.availableBytes ?? '0') > 0n, 'available bytes reported');
    assert.ok(BigInt(parent?.usedBytes ?? '0') > 0n, 'used bytes reported');
    assert.equal(parent?.retiredBytes, '0');
    assert.equal(first?.status?.implementation, 'zfs-fuse');
    assert.notEqual(first?.status?.zfsVersion, 'unknown');
    assert.equal(first?.status?.agentVersion, 'test');
    const beat = first?.status?.lastHeartbeat ?? '';
    await poll(
      async () => decodeNode(await b.api.get(PLURAL.node, b.node)),
      (n) => (n?.status?.lastHeartbeat ?? '') > beat,
      5_000, 'a later heartbeat',
    );
  } finally {
    await b.cleanup();
  }
});

/**
 * Issue #8, scheduled replication end to end in Kubernetes mode: controller and two agents as processes
 * under the chart's RBAC and admission policy, a ZfsReplication of a volume on node-a to node-b every 2 s
 * while a pod keeps writing. Rounds go incremental after the first, retention holds on both pools; then the
 * migration's end (docs/replication.md): suspend, a final write, the pod stops, `replicateNow` for one last
 * incremental, and with node-a's agent stopped that replica restores on node-b with the final write.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { decodeReplication } from '../../src/store/kube/decode.js';
import { API_VERSION, PLURAL, type ZfsReplication } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import { createVolume, createVolumeRetrying, publish, readThroughPublish, unpublish, writeSynced, type CreatedVolume } from './csi.js';

let k: E2eCluster;
before(async () => {
  k = await E2eCluster.start({ sizeA: '512M', transfers: true });
});
after(async () => {
  await k.cleanup();
});

const NAME = 'pvc-db-to-b';
const read = async (): Promise<ZfsReplication | undefined> => decodeReplication(await k.api.get(PLURAL.replication, NAME));
const snapshotsOf = async (dataset: string): Promise<string[]> => {
  const r = await execa('/sbin/zfs', ['list', '-H', '-o', 'name', '-t', 'snapshot', '-r', dataset], { env: { LC_ALL: 'C' }, reject: false });
  return r.stdout.split('\n').filter((l) => l.includes('@')).map((l) => l.slice(l.indexOf('@') + 1)).sort();
};

let source: CreatedVolume;
let lastContent = '';

test('rounds every 2 s while a pod writes: full, then incremental; retain 2 holds on both pools', async () => {
  source = await createVolume(k.controller.client, { name: 'pvc-db', node: k.a.name, bytes: 128n << 20n });
  await k.api.create(PLURAL.replication, {
    apiVersion: API_VERSION, kind: 'ZfsReplication', metadata: { name: NAME },
    spec: { volumeId: source.id, targetNode: k.b.name, intervalSeconds: 2, retain: 2 },
  });
  // The first round starts as soon as the ZfsReplication exists and sends the whole (empty) volume.
  const first = await poll(read, (x) => x?.status?.lastReplicatedSnapshot !== undefined && x.status.pendingSnapshot === undefined, 30_000, 'the first round');
  const modes: string[] = [first?.status?.lastMode ?? '?'];
  const target = await publish(k.a, source.id);
  for (let i = 1; i <= 4; i++) {
    lastContent = `write ${i} at ${new Date().toISOString()}\n`.repeat(2000 * i);
    await writeSynced(join(target, 'data.txt'), lastContent);
    const written = Date.now();
    // A round whose snapshot was taken after this write has reached node-b.
    const r = await poll(read, (x) => Date.parse(x?.status?.lastReplicatedTime ?? '') > written, 30_000, `a round after write ${i}`);
    modes.push(r?.status?.lastMode ?? '?');
  }
  // Migration's end: no more scheduled rounds, a last write, the pod stops, one final incremental on request.
  await k.api.patch(PLURAL.replication, NAME, { spec: { suspend: true } });
  await poll(read, (x) => x?.status?.pendingSnapshot === undefined, 30_000, 'the scheduled round in flight is done');
  lastContent = `final write at ${new Date().toISOString()}\n`.repeat(9000);
  await writeSynced(join(target, 'data.txt'), lastContent);
  await unpublish(k.a, source.id, target);
  await k.api.patch(PLURAL.replication, NAME, { spec: { replicateNow: 'pod-stopped' } });
  const final = await poll(read, (x) => x?.status?.lastReplicateNow === 'pod-stopped' && x.status.pendingSnapshot === undefined, 30_000, 'the final round');
  modes.push(final?.status?.lastMode ?? '?');
  assert.equal(modes[0], 'full', 'the first round sends the whole volume');
  assert.ok(modes.slice(1).every((m) => m === 'incremental'), `later rounds are incremental: ${modes.join(', ')}`);

  const settled = await poll(read, (x) => x?.status?.pendingSnapshot === undefined && (x?.status?.replicated?.length ?? 0) === 2, 30_000, 'rounds settled at retain 2');
  const kept = (settled?.status?.replicated ?? []).map((s) => s.snapshotId).sort();
  assert.ok((settled?.status?.round ?? 0) >= 5, `at least 5 rounds: ${settled?.status?.round}`);
  assert.equal(settled?.status?.lastReplicatedSnapshot, final?.status?.lastReplicatedSnapshot, 'the final round is the newest replica');
  assert.equal(settled?.status?.phase, 'Ready');
  assert.equal(settled?.status?.targetParent, k.b.pool.parent);
  await poll(() => snapshotsOf(`${k.a.pool.parent}/${source.id}`), (s) => s.join() === kept.join(), 30_000, 'node-a keeps exactly the retained snapshots');
  await poll(() => snapshotsOf(`${k.b.pool.parent}/${source.id}`), (s) => s.join() === kept.join(), 30_000, 'node-b keeps exactly the retained copies');
  const newest = settled?.status?.lastReplicatedSnapshot ?? '';
  assert.equal(await zfsProp(`${k.b.pool.parent}/${source.id}@${newest}`, 'guid'), await zfsProp(`${k.a.pool.parent}/${source.id}@${newest}`, 'guid'));
});

test('with node-a\'s agent stopped, the final replica restores on node-b with the final write, from the copy already there', async () => {
  const r = await read();
  const newest = r?.status?.lastReplicatedSnapshot ?? assert.fail('nothing replicated');
  await k.a.agent.stop();
  try {
    const { volume: restored } = await createVolumeRetrying(k.controller.client, { name: 'pvc-db-restored', node: k.b.name, source: { snapshot: newest }, bytes: 128n << 20n }, 60_000);
    assert.equal(restored.node, k.b.name);
    assert.equal(await zfsProp(`${k.b.pool.parent}/${restored.id}`, 'origin'), `${k.b.pool.parent}/${source.id}@${newest}`);
    assert.equal(await readThroughPublish(k.b, restored.id, 'data.txt'), lastContent, 'byte for byte the last write before the snapshot');
    await k.controller.client.controller.DeleteVolume({ volume_id: restored.id });
  } finally {
    await k.restart(k.a);
  }
});

test('deleting the replication with deletePolicy Delete, then the volume, leaves nothing on either pool', async () => {
  await k.api.patch(PLURAL.replication, NAME, { spec: { deletePolicy: 'Delete' } });
  await k.api.delete(PLURAL.replication, NAME);
  await poll(read, (x) => x === undefined, 30_000, 'the ZfsReplication is gone');
  await k.controller.client.controller.DeleteVolume({ volume_id: source.id });
  const children = async (parent: string): Promise<string[]> => (await zfsTree(parent)).filter((d) => d !== parent);
  for (const parent of [k.a.pool.parent, k.b.pool.parent]) {
    await poll(() => children(parent), (left) => left.length === 0, 30_000, `nothing left under ${parent}`);
  }
  await poll(async () => (await k.api.list(PLURAL.transfer)).items.length, (count) => count === 0, 10_000, 'no ZfsTransfer left');
  assert.deepEqual((await k.api.list(PLURAL.snapshot)).items.length, 0, 'no ZfsSnapshot left');
});

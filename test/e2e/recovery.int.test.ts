/**
 * Issue #10 part 2b, end to end in Kubernetes mode: node-b holds a volume (expanded, a file written), its
 * snapshot, a clone of that snapshot, and a retired volume kept for its snapshot, all made through the
 * controller. Then the cluster is lost: every ZfsVolume and ZfsSnapshot vanishes (finalizers stripped). With
 * recovery off the agent only reports drift; with `--recover-resources true` it re-creates the resources
 * equal in what matters, one Event each, without changing anything on the pool (each dataset's and
 * snapshot's own properties and guid compared), and the recovered objects serve publish, snapshot, restore
 * and delete until nothing is left. Agents run under the chart's RBAC and node-authority policy.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { CoreV1Api } from '@kubernetes/client-node';
import { after, before, test } from 'node:test';
import { RECOVERED_ANNOTATION } from '../../src/agent/recovery.js';
import { FINALIZER, PLURAL, type ZfsSnapshot, type ZfsVolume } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { zfsTree } from '../support/pool.js';
import { E2eCluster, type E2eNode } from './cluster.js';
import {
  createSnapshot, createVolume, DEADLINE, listedSnapshotIds, listedVolumeIds, MiB, publish, readThroughPublish, unpublish, writeSynced,
} from './csi.js';

const FILE = 'data.txt';
const CONTENT = 'written before the cluster was lost\n';

let k: E2eCluster;
let b: E2eNode;
const ids = { v: '', s: '', c: '', r: '', sr: '' };

before(async () => {
  k = await E2eCluster.start({ recoverResources: true });
  b = k.b;
});
after(async () => {
  await k.cleanup();
});

/** Each object strictly below the parent: its locally set properties and its guid, one line each. */
async function poolState(parent: string): Promise<string[]> {
  const run = async (args: string[]): Promise<string[]> =>
    (await execa('/sbin/zfs', ['get', '-H', '-p', '-r', ...args, parent])).stdout.split('\n').filter((l) => l !== '' && !l.startsWith(`${parent}\t`));
  return [...await run(['-o', 'name,property,value', '-s', 'local', 'all']), ...await run(['-o', 'name,property,value', 'guid'])].sort();
}

/** What must come back: the spec, the finalizer, and the status the CSI calls read. */
function volumeShape(v: ZfsVolume | undefined): object {
  const st = v?.status ?? {};
  return { spec: v?.spec, finalizers: v?.metadata.finalizers, phase: st.phase, capacityBytes: st.capacityBytes, dataset: st.dataset, mountpoint: st.mountpoint };
}
function snapshotShape(s: ZfsSnapshot | undefined): object {
  const st = s?.status ?? {};
  return { spec: s?.spec, finalizers: s?.metadata.finalizers, phase: st.phase, readyToUse: st.readyToUse, zfsName: st.zfsName, sizeBytes: st.sizeBytes, creationTime: st.creationTime };
}

/** The ZfsNode's condition `type` as the agent last published it. */
async function nodeCondition(type: string): Promise<{ status?: string; message?: string } | undefined> {
  const raw = (await k.api.get(PLURAL.node, b.name)) as { status?: { conditions?: Array<{ type?: string; status?: string; message?: string }> } } | undefined;
  return raw?.status?.conditions?.find((c) => c.type === type);
}

async function recoveredEvents(): Promise<string[]> {
  const list = await k.target.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
  return list.items.filter((e) => e.reason === 'ResourceRecovered' && e.source?.component === 'zfs-csi-node')
    .map((e) => `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`).sort();
}

let before_: { volumes: Map<string, object>; snapshots: Map<string, object>; pool: string[] };

test('set-up through the controller: volume (expanded, file written), snapshot, clone, retired volume with a snapshot', async () => {
  const c = k.controller.client;
  ids.v = (await createVolume(c, { name: 'rec-v', node: b.name })).id;
  const target = await publish(b, ids.v);
  await writeSynced(`${target}/${FILE}`, CONTENT);
  await unpublish(b, ids.v, target);
  await c.controller.ControllerExpandVolume({ volume_id: ids.v, capacity_range: { required_bytes: String(48n * MiB) } }, DEADLINE);
  ids.s = await createSnapshot(c, 'rec-s', ids.v);
  ids.c = (await createVolume(c, { name: 'rec-c', node: b.name, bytes: 48n * MiB, source: { snapshot: ids.s } })).id;
  ids.r = (await createVolume(c, { name: 'rec-r', node: b.name })).id;
  ids.sr = await createSnapshot(c, 'rec-sr', ids.r);
  await c.controller.DeleteVolume({ volume_id: ids.r }, DEADLINE);
  assert.equal(await retiredMark(`${b.pool.parent}/${ids.r}`), 'retired, kept for its snapshot');
  before_ = {
    volumes: new Map([ids.v, ids.c].map((id) => [id, {}])),
    snapshots: new Map([ids.s, ids.sr].map((id) => [id, {}])),
    pool: await poolState(b.pool.parent),
  };
  const guids = before_.pool.filter((l) => l.split('\t')[1] === 'guid').map((l) => l.split('\t')[0]);
  assert.equal(guids.length, 5, `every dataset and snapshot compared by guid: ${guids.join(', ')}`);
  assert.ok(before_.pool.some((l) => l.includes('zfs.csi.dev:csi-name')), 'the records themselves are compared');
  for (const id of before_.volumes.keys()) before_.volumes.set(id, volumeShape(await k.volume(id)));
  for (const id of before_.snapshots.keys()) before_.snapshots.set(id, snapshotShape(await k.snapshot(id)));
});

async function retiredMark(dataset: string): Promise<string> {
  const r = await execa('/sbin/zfs', ['get', '-H', '-o', 'value', 'zfs.csi.dev:retired', dataset], { reject: false });
  return r.exitCode === 0 && r.stdout.trim() !== '-' ? 'retired, kept for its snapshot' : `not retired: ${r.stdout}${r.stderr}`;
}

test('recovery off: after the loss the agent reports drift and creates nothing; the pool is untouched', async () => {
  await b.agent.stop();
  await k.loseEveryResource(b);
  await k.restart(b);
  const drift = await poll(() => nodeCondition('Drift'), (d) => d?.status === 'True', 20_000, 'the Drift condition');
  assert.match(drift?.message ?? '', /^5 managed object\(s\) without a resource/, 'two volumes, the retired one, two snapshots');
  assert.deepEqual(await k.resourceNames(), { volumes: [], snapshots: [] });
  assert.deepEqual(await recoveredEvents(), []);
  assert.deepEqual(await poolState(b.pool.parent), before_.pool);
});

test('recovery on: the resources come back equal in what matters, one Event each, the pool unchanged', async () => {
  await b.agent.stop();
  await k.restart(b, ['--recover-resources', 'true']);
  const names = await poll(() => k.resourceNames(), (n) => n.volumes.length === 2 && n.snapshots.length === 2, 20_000, 'recovered resources');
  assert.deepEqual(names, { volumes: [ids.v, ids.c].sort(), snapshots: [ids.s, ids.sr].sort() }, 'the retired volume gets none');
  for (const [id, shape] of before_.volumes) {
    const v = await k.volume(id);
    assert.deepEqual(volumeShape(v), shape, `ZfsVolume ${id}`);
    assert.ok(v?.metadata.finalizers?.includes(FINALIZER));
    assert.equal(v?.spec.deletionRequested, undefined, 'no deletion intent');
    assert.ok(((await k.api.get(PLURAL.volume, id)) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.[RECOVERED_ANNOTATION]);
  }
  for (const [id, shape] of before_.snapshots) assert.deepEqual(snapshotShape(await k.snapshot(id)), shape, `ZfsSnapshot ${id}`);
  const expected = [...[ids.v, ids.c].map((id) => `ZfsVolume/${id}`), ...[ids.s, ids.sr].map((id) => `ZfsSnapshot/${id}`)].sort();
  assert.deepEqual(await poll(() => recoveredEvents(), (e) => e.length >= 4, 10_000, 'Events'), expected);
  const drift = await poll(() => nodeCondition('Drift'), (d) => d?.status === 'False', 20_000, 'no drift');
  assert.match(drift?.message ?? '', /every managed dataset has a resource/, 'the retired data is accounted for');
  assert.deepEqual(await poolState(b.pool.parent), before_.pool, 'no property or guid changed on the pool');
});

test('a second start with recovery on makes nothing twice', async () => {
  const uid = async (id: string): Promise<string | undefined> => (await k.volume(id))?.metadata.uid;
  const uids = [await uid(ids.v), await uid(ids.c)];
  await b.agent.stop();
  await k.restart(b, ['--recover-resources', 'true']);
  assert.deepEqual([await uid(ids.v), await uid(ids.c)], uids);
  assert.equal((await recoveredEvents()).length, 4);
  assert.deepEqual(await poolState(b.pool.parent), before_.pool);
});

test('the recovered objects serve the CO: listed, published with their data, snapshotted, restored, deleted to nothing', async () => {
  const c = k.controller.client;
  const listed = await poll(() => listedVolumeIds(c), (l) => l.includes(ids.v) && l.includes(ids.c), 10_000, 'ListVolumes');
  assert.ok(!listed.includes(ids.r), 'the retired volume stays deleted for the CO');
  assert.ok((await listedSnapshotIds(c)).includes(ids.sr), 'the retired volume\'s snapshot is still the CO\'s');
  assert.equal(await readThroughPublish(b, ids.v, FILE), CONTENT);
  assert.equal(await readThroughPublish(b, ids.c, FILE), CONTENT, 'the clone holds the snapshot\'s data');
  const s2 = await createSnapshot(c, 'rec-s2', ids.v);
  const restored = (await createVolume(c, { name: 'rec-restore', node: b.name, source: { snapshot: ids.sr } })).id;
  const fromS = (await createVolume(c, { name: 'rec-from-s', node: b.name, bytes: 48n * MiB, source: { snapshot: ids.s } })).id;
  assert.equal(await readThroughPublish(b, fromS, FILE), CONTENT);
  for (const id of [ids.sr, ids.s, s2]) await c.controller.DeleteSnapshot({ snapshot_id: id }, DEADLINE);
  for (const id of [restored, fromS, ids.c, ids.v]) await c.controller.DeleteVolume({ volume_id: id }, DEADLINE);
  await poll(() => zfsTree(b.pool.parent), (t) => t.length === 0, 30_000, 'nothing left under the parent (the retired data swept too)');
  await poll(() => k.resourceNames(), (n) => n.volumes.length === 0 && n.snapshots.length === 0, 10_000, 'no resource left');
});

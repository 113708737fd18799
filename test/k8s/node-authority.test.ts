/**
 * Issue #7 part 1: a node agent cannot cause destruction on a node that is not its own. The fake API server
 * enforces the chart's own RBAC and ValidatingAdmissionPolicy (rendered from charts/zfs-csi), with CEL
 * evaluated for real; each identity below is what a cluster hands that pod.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeApi, KubeError } from '../../src/store/kube/api.js';
import { API_VERSION, FINALIZER, NODE_LABEL, PLURAL, TARGET_NODE_LABEL } from '../../src/store/kube/resources.js';
import { renderTemplate } from '../chart/chart.js';
import { enforceChartAuthority, type ChartAuthority } from './chart-authority.js';
import { FakeApiServer, fakeKubeConfig } from './fake-apiserver/index.js';

let server: FakeApiServer;
let authority: ChartAuthority;
let admin: KubeApi;
let controller: KubeApi;
let nodeA: KubeApi;
let nodeB: KubeApi;
let unbound: KubeApi;

before(async () => {
  server = await FakeApiServer.start();
  authority = enforceChartAuthority(server);
  const as = (token: string): KubeApi => new KubeApi(fakeKubeConfig(server, token));
  admin = new KubeApi(fakeKubeConfig(server));
  controller = as(authority.controllerToken);
  nodeA = as(authority.nodeToken('node-a'));
  nodeB = as(authority.nodeToken('node-b'));
  unbound = as(authority.nodeToken(undefined));
});
after(() => server.close());

let seq = 0;
/** A ZfsVolume of `node` as the controller writes it, with the agent's finalizer already on. */
async function volumeOf(node: string): Promise<string> {
  const id = `vol-${node}-${++seq}`;
  await controller.create(PLURAL.volume, {
    apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: id, labels: { [NODE_LABEL]: node }, finalizers: [FINALIZER] },
    spec: { csiName: `pvc-${id}`, volumeId: id, nodeName: node, parentDataset: 'tank/csi', requestedBytes: '1048576', properties: {}, quotaType: 'refquota', thin: true },
  });
  return id;
}

async function refused(write: Promise<unknown>, status: number, text: RegExp): Promise<void> {
  await assert.rejects(write, (err: unknown) => {
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.httpStatus, status, err.message);
    assert.match(err.message, text);
    return true;
  });
}

const deletionRequested = async (id: string): Promise<unknown> =>
  ((await admin.get(PLURAL.volume, id)) as { spec: { deletionRequested?: boolean } } | undefined)?.spec.deletionRequested;

test('node-a cannot mark a node-b volume for deletion, nor write its status or finalizers', async () => {
  const id = await volumeOf('node-b');
  await refused(nodeA.patch(PLURAL.volume, id, { spec: { deletionRequested: true } }), 403, /may write only the resources of its own node; this one belongs to node-b/);
  await refused(nodeA.patchStatus(PLURAL.volume, id, { phase: 'Deleting' }), 403, /belongs to node-b/);
  await refused(nodeA.patch(PLURAL.volume, id, { metadata: { finalizers: [] } }), 403, /belongs to node-b/);
  await refused(nodeA.delete(PLURAL.volume, id), 403, /cannot delete resource "zfsvolumes"/);
  assert.equal(await deletionRequested(id), undefined, 'the mark never reached the store');
});

test('node-a cannot move a volume onto its node or relabel it, and cannot write its own volume spec', async () => {
  const theirs = await volumeOf('node-b');
  // The CRD's rule answers first (validation runs before admission), for every writer.
  await refused(nodeA.patch(PLURAL.volume, theirs, { spec: { nodeName: 'node-a' } }), 422, /spec\.nodeName: .*nodeName is immutable/);
  await refused(controller.patch(PLURAL.volume, theirs, { spec: { nodeName: 'node-a' } }), 422, /nodeName is immutable/);
  await refused(nodeA.patch(PLURAL.volume, theirs, { metadata: { labels: { [NODE_LABEL]: 'node-a' } } }), 403, /belongs to node-b/);
  const mine = await volumeOf('node-a');
  await refused(nodeA.patch(PLURAL.volume, mine, { spec: { deletionRequested: true } }), 403, /only its own finalizer/);
  await refused(nodeA.patch(PLURAL.volume, mine, { metadata: { labels: { [NODE_LABEL]: 'node-b' } } }), 403, /only its own finalizer/);
  await refused(nodeA.patch(PLURAL.volume, mine, { metadata: { finalizers: [FINALIZER, 'example.com/other'] } }), 403, /only its own finalizer/);
  // ControllerModifyVolume's intent is the controller's too (issue #10): an agent may answer it, never ask.
  await refused(nodeA.patch(PLURAL.volume, mine, { spec: { mutableParameters: { properties: { compression: 'off' } } } }), 403, /only its own finalizer/);
  assert.equal(await deletionRequested(mine), undefined);
  assert.equal(((await admin.get(PLURAL.volume, mine)) as { spec: Record<string, unknown> }).spec['mutableParameters'], undefined);
  await nodeA.patchStatus(PLURAL.volume, mine, { appliedParameters: { properties: {} } });
});

test('a node agent does its own work: its finalizer, its status, its ZfsNode', async () => {
  const id = await volumeOf('node-a');
  await nodeA.patchStatus(PLURAL.volume, id, { phase: 'Ready' });
  await nodeA.patch(PLURAL.volume, id, { metadata: { finalizers: [] } });
  await nodeA.patch(PLURAL.volume, id, { metadata: { finalizers: [FINALIZER] } });
  await nodeA.create(PLURAL.node, { apiVersion: API_VERSION, kind: 'ZfsNode', metadata: { name: 'node-a' }, spec: {} });
  await nodeA.patchStatus(PLURAL.node, 'node-a', { agentVersion: 'test' });
  await refused(nodeA.create(PLURAL.node, { apiVersion: API_VERSION, kind: 'ZfsNode', metadata: { name: 'node-b' }, spec: {} }), 403, /belongs to node-b/);
  await nodeB.create(PLURAL.node, { apiVersion: API_VERSION, kind: 'ZfsNode', metadata: { name: 'node-b' }, spec: {} });
  await refused(nodeA.patchStatus(PLURAL.node, 'node-b', { agentVersion: 'forged' }), 403, /belongs to node-b/);
});

test('the node agents cannot create volumes, and a token without the node claim writes nothing', async () => {
  // Recovery off (the default): helm leaves out the create rule; this renderer keeps every branch (the rbac
  // test pins the switch), so here the policy answers, as it would for a create rule added by hand.
  await refused(nodeA.create(PLURAL.volume, {
    apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: 'vol-forged', labels: { [NODE_LABEL]: 'node-a' } },
    spec: { csiName: 'x', volumeId: 'vol-forged', nodeName: 'node-a', parentDataset: 'tank/csi', requestedBytes: '1', properties: {}, quotaType: 'refquota', thin: true },
  }), 403, /create ZfsVolumes and ZfsSnapshots only to recover their own node's records \(node\.recoverResources\)/);
  const id = await volumeOf('node-a');
  await refused(unbound.patchStatus(PLURAL.volume, id, { phase: 'Ready' }), 403, /pod-bound ServiceAccount token that names its node/);
  assert.ok((await unbound.list(PLURAL.volume)).items.length > 0, 'reading is still allowed');
});

test('the controller records intent for any node: deletionRequested on a node-b volume is its call', async () => {
  const id = await volumeOf('node-b');
  await controller.patch(PLURAL.volume, id, { spec: { deletionRequested: true } });
  assert.equal(await deletionRequested(id), true);
  await controller.patch(PLURAL.volume, id, { spec: { mutableParameters: { properties: { atime: 'off' } } } });
});

/** A ZfsTransfer from node-a to node-b as the controller writes it (issue #8). */
async function transferOf(from: string, to: string): Promise<string> {
  const id = `xfer-${'abcdefghijklmnopqrst'.slice(0, 19)}${String.fromCharCode(97 + (++seq % 26))}`;
  await controller.create(PLURAL.transfer, {
    apiVersion: API_VERSION, kind: 'ZfsTransfer', metadata: { name: id, labels: { [NODE_LABEL]: from, [TARGET_NODE_LABEL]: to } },
    spec: { snapshotId: 'snap-x', volumeId: 'vol-x', nodeName: from, targetNode: to },
  });
  return id;
}

test('transfers: the sender writes the status, the target holds the finalizer, neither the other\'s part nor the spec', async () => {
  const id = await transferOf('node-a', 'node-b');
  await nodeA.patchStatus(PLURAL.transfer, id, { phase: 'Running', bytes: '1' });
  assert.ok((await nodeB.get(PLURAL.transfer, id)) !== undefined, 'the target reads the transfer that names it');
  await refused(nodeB.patchStatus(PLURAL.transfer, id, { phase: 'Succeeded' }), 403, /belongs to node-a/);
  await nodeB.patch(PLURAL.transfer, id, { metadata: { finalizers: [FINALIZER] } });
  await refused(nodeA.patch(PLURAL.transfer, id, { metadata: { finalizers: [] } }), 403, /belongs to node-b/);
  await refused(nodeB.patch(PLURAL.transfer, id, { spec: { deletionRequested: true } }), 403, /only its own finalizer/);
  await refused(nodeA.patch(PLURAL.transfer, id, { spec: { targetNode: 'node-c' } }), 422, /immutable/);
  await controller.patch(PLURAL.transfer, id, { spec: { deletionRequested: true } });
  await refused(nodeB.create(PLURAL.transfer, {
    apiVersion: API_VERSION, kind: 'ZfsTransfer', metadata: { name: 'xfer-zzzzzzzzzzzzzzzzzzzz' },
    spec: { snapshotId: 'snap-x', volumeId: 'vol-x', nodeName: 'node-a', targetNode: 'node-b' },
  }), 403, /cannot create resource "zfstransfers"/);
  await refused(nodeA.delete(PLURAL.transfer, id), 403, /cannot delete resource "zfstransfers"/);
  await nodeB.patch(PLURAL.transfer, id, { metadata: { finalizers: [] } });
  await refused(controller.patchStatus(PLURAL.transfer, id, { phase: 'Succeeded' }), 403, /cannot patch resource "zfstransfers\/status"|zfstransfers/);
});

test('replications: a person makes them, the controller holds the finalizer and writes status, agents cannot touch them', async () => {
  const name = `repl-${++seq}`;
  const body = { apiVersion: API_VERSION, kind: 'ZfsReplication', metadata: { name }, spec: { volumeId: 'vol-x', targetNode: 'node-b', intervalSeconds: 60, retain: 2 } };
  await refused(controller.create(PLURAL.replication, body), 403, /cannot create resource "zfsreplications"/);
  await admin.create(PLURAL.replication, body);
  await controller.patch(PLURAL.replication, name, { metadata: { finalizers: ['zfs.csi.dev/replication'] } });
  await controller.patchStatus(PLURAL.replication, name, { phase: 'Ready' });
  for (const node of [nodeA, nodeB]) {
    await refused(node.get(PLURAL.replication, name), 403, /cannot get resource "zfsreplications"/);
    await refused(node.patchStatus(PLURAL.replication, name, { phase: 'Failing' }), 403, /zfsreplications/);
  }
  await refused(controller.delete(PLURAL.replication, name), 403, /cannot delete resource "zfsreplications"/);
  await refused(admin.patch(PLURAL.replication, name, { spec: { targetNode: 'node-c' } }), 422, /immutable/);
  await admin.patch(PLURAL.replication, name, { spec: { retain: 5, intervalSeconds: 300 } });
});

test('the chart ships the policy with a Deny binding (a policy without one enforces nothing)', () => {
  assert.deepEqual(authority.policies.policyNames, ['zfs-csi-node-authority']);
  const binding = renderTemplate('admission-node.yaml').find((d) => d['kind'] === 'ValidatingAdmissionPolicyBinding');
  assert.deepEqual((binding?.['spec'] as { validationActions?: unknown } | undefined)?.validationActions, ['Deny']);
});

/** CR recovery (issue #10 part 2b) on: a second API server under the chart rendered with node.recoverResources. */
async function withRecovery(run: (as: (node: string) => KubeApi, admin: KubeApi) => Promise<void>): Promise<void> {
  const s = await FakeApiServer.start();
  try {
    const auth = enforceChartAuthority(s, { node: { recoverResources: true } });
    await run((node) => new KubeApi(fakeKubeConfig(s, auth.nodeToken(node))), new KubeApi(fakeKubeConfig(s)));
  } finally {
    await s.close();
  }
}

const recoveredVolume = (id: string, node: string, label: string, extra: { spec?: object; finalizers?: string[] } = {}): object => ({
  apiVersion: API_VERSION, kind: 'ZfsVolume',
  metadata: { name: id, labels: { [NODE_LABEL]: label }, finalizers: extra.finalizers ?? [FINALIZER] },
  spec: { csiName: `pvc-${id}`, volumeId: id, nodeName: node, parentDataset: 'tank/csi', requestedBytes: '1048576', properties: {}, quotaType: 'refquota', thin: true, ...extra.spec },
});

test('recovery: an agent re-creates its own node\'s records, never one naming another node', async () => {
  await withRecovery(async (as, root) => {
    const a = as('node-a');
    await a.create(PLURAL.volume, recoveredVolume('vol-mine', 'node-a', 'node-a'));
    await a.create(PLURAL.snapshot, {
      apiVersion: API_VERSION, kind: 'ZfsSnapshot', metadata: { name: 'snap-mine', labels: { [NODE_LABEL]: 'node-a' }, finalizers: [FINALIZER] },
      spec: { csiName: 'snapshot-mine', snapshotId: 'snap-mine', sourceVolumeId: 'vol-mine', nodeName: 'node-a' },
    });
    await a.patchStatus(PLURAL.volume, 'vol-mine', { phase: 'Ready' });
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-theirs', 'node-b', 'node-b')), 403, /may write only the resources of its own node; this one belongs to node-b/);
    await refused(a.create(PLURAL.snapshot, {
      apiVersion: API_VERSION, kind: 'ZfsSnapshot', metadata: { name: 'snap-theirs', labels: { [NODE_LABEL]: 'node-b' } },
      spec: { csiName: 'snapshot-theirs', snapshotId: 'snap-theirs', sourceVolumeId: 'vol-x', nodeName: 'node-b' },
    }), 403, /belongs to node-b/);
    // Its own spec but another node's label: node-b's agent would watch it (label selector) and act on it.
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-relabelled', 'node-a', 'node-b')), 403, /labelled with its node/);
    assert.equal(await root.get(PLURAL.volume, 'vol-theirs'), undefined);
    assert.equal(await root.get(PLURAL.volume, 'vol-relabelled'), undefined);
  });
});

test('recovery: a re-created record carries no intent — no deletion, no modification, no foreign finalizer — and is never deleted', async () => {
  await withRecovery(async (as) => {
    const a = as('node-a');
    const intent = /no deletion intent, no modification request, no import .* and no finalizer but its own/;
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-doomed', 'node-a', 'node-a', { spec: { deletionRequested: true } })), 403, intent);
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-mod', 'node-a', 'node-a', { spec: { mutableParameters: { properties: { compression: 'off' } } } })), 403, intent);
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-fin', 'node-a', 'node-a', { finalizers: [FINALIZER, 'example.com/keep'] })), 403, intent);
    // An import takes over a dataset the driver did not make (issue #10): a person's decision, never an agent's.
    await refused(a.create(PLURAL.volume, recoveredVolume('vol-imp', 'node-a', 'node-a', { spec: { importDataset: 'tank/csi/pgdata' } })), 403, intent);
    await refused(a.create(PLURAL.transfer, {
      apiVersion: API_VERSION, kind: 'ZfsTransfer', metadata: { name: 'xfer-yyyyyyyyyyyyyyyyyyyy', labels: { [NODE_LABEL]: 'node-a', [TARGET_NODE_LABEL]: 'node-a' } },
      spec: { snapshotId: 'snap-x', volumeId: 'vol-x', nodeName: 'node-a', targetNode: 'node-a' },
    }), 403, /create ZfsVolumes and ZfsSnapshots only to recover|cannot create resource "zfstransfers"/);
    await a.create(PLURAL.volume, recoveredVolume('vol-kept', 'node-a', 'node-a'));
    await refused(a.delete(PLURAL.volume, 'vol-kept'), 403, /cannot delete resource "zfsvolumes"/);
    await refused(a.patch(PLURAL.volume, 'vol-kept', { spec: { deletionRequested: true } }), 403, /only its own finalizer/);
  });
});

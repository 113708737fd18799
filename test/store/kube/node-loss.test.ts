import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { newSnapshotId, newVolumeId, transferIdFor } from '../../../src/csi/ids.js';
import { KubeApi } from '../../../src/store/kube/api.js';
import { coreNodeExists, NodeLossMonitor, type NodeExists } from '../../../src/store/kube/node-loss.js';
import { API_VERSION, FINALIZER, KIND, PLURAL } from '../../../src/store/kube/resources.js';
import { enforceChartAuthority } from '../../k8s/chart-authority.js';
import { fakeKubeConfig, type JsonObject } from '../../k8s/fake-apiserver/index.js';
import { createReq, deleteCoreNode, invoke, rejects, silent, startRig, topo, until, type Rig } from './harness.js';

let rig: Rig;

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());

const status = (plural: string, name: string): Record<string, unknown> =>
  (rig.server.peek(plural, name)?.['status'] ?? {}) as Record<string, unknown>;

describe('Node loss', () => {
  it('marks the volumes and snapshots of a vanished Node Lost (status only), and stops offering the node', async () => {
    const onB = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({
      name: 'pvc-on-b', accessibility_requirements: { requisite: [topo('node-b')], preferred: [] },
    }));
    const onA = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-on-a' }));
    const volB = onB.volume?.volume_id ?? '';
    const volA = onA.volume?.volume_id ?? '';
    const snap = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', { name: 'snap-b', source_volume_id: volB, secrets: {}, parameters: {} });
    const snapB = snap.snapshot?.snapshot_id ?? '';
    const specBefore = rig.server.peek('zfsvolumes', volB)?.['spec'];

    await rig.monitor.check();
    assert.equal(status('zfsvolumes', volB)['phase'], 'Ready', 'nothing is marked while the node exists');
    assert.equal(rig.monitor.isGone('node-b'), false);

    await deleteCoreNode(rig.server, 'node-b');
    await rig.monitor.check();
    assert.equal(rig.monitor.isGone('node-b'), true);
    assert.equal(status('zfsvolumes', volB)['phase'], 'Lost');
    assert.match(String(status('zfsvolumes', volB)['message']), /node-b no longer exists/);
    assert.equal(status('zfsvolumes', volB)['dataset'], `pool2/csi/${volB}`, 'the rest of the status is kept');
    assert.deepEqual(rig.server.peek('zfsvolumes', volB)?.['spec'], specBefore, 'the spec (and the data) are untouched');
    assert.equal(status('zfssnapshots', snapB)['phase'], 'Lost');
    assert.equal(status('zfsvolumes', volA)['phase'], 'Ready', 'other nodes are not affected');

    // Still the CO's (it can see and delete it); no longer a place for new volumes.
    await until('Lost in the cache', () => rig.caches.volumes.get(volB)?.status?.phase === 'Lost');
    assert.ok(await rig.backend.getVolume(volB));
    assert.deepEqual(await rig.backend.nodes(), ['node-a']);
    assert.deepEqual((await rig.backend.capacity(undefined, AbortSignal.timeout(1000))).map((r) => r.node), ['node-a']);

    // A second pass writes nothing new.
    const patches = rig.server.requests.count({ method: 'PATCH' });
    await rig.monitor.check();
    assert.equal(rig.server.requests.count({ method: 'PATCH' }), patches);

    // Deleting on a gone node cannot wait for an agent: the intent is recorded and the resource deleted.
    rig.agents[1].volumeDeletion = undefined;
    await rig.agents[1].stop();
    await invoke(rig.svc, 'DeleteVolume', { volume_id: volB, secrets: {} }, 1000);
    const gone = rig.server.peek('zfsvolumes', volB);
    assert.equal((gone?.['spec'] as JsonObject | undefined)?.['deletionRequested'], true, 'the intent stays for a returning agent');
    assert.ok((gone?.['metadata'] as JsonObject | undefined)?.['deletionTimestamp'], 'deleted (held by the finalizer)');
    assert.equal(await rig.backend.getVolume(volB), undefined);
    await invoke(rig.svc, 'DeleteSnapshot', { snapshot_id: snapB, secrets: {} }, 1000);
    assert.equal(await rig.backend.getSnapshot(snapB), undefined);
  });
});

// ZfsTransfers of a gone node (issue #8; docs/replication.md "Kubernetes mode: ZfsTransfer"): the checks run as
// the controller's ServiceAccount under the chart's own RBAC, so a call the chart does not grant fails here.
describe('Node loss: ZfsTransfers', () => {
  let asController: KubeApi;
  /** Nodes whose existence cannot be told (the API server errs); hooks run when a node is asked about. */
  const unknown = new Set<string>();
  const hooks = new Map<string, () => Promise<void>>();
  let exists: NodeExists;
  const monitor = (mayWrite = true): NodeLossMonitor => new NodeLossMonitor({
    api: asController, volumes: rig.caches.volumes, snapshots: rig.caches.snapshots, nodes: rig.caches.nodes,
    nodeExists: exists, log: silent, mayWrite: () => mayWrite, eventNamespace: 'zfs-system',
  });

  before(() => {
    for (const name of ['node-c', 'node-d', 'node-e']) rig.server.seed('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } } as JsonObject);
    const authority = enforceChartAuthority(rig.server);
    const kc = fakeKubeConfig(rig.server, authority.controllerToken);
    asController = new KubeApi(kc);
    const real = coreNodeExists(kc);
    exists = async (node) => {
      const hook = hooks.get(node);
      hooks.delete(node);
      await hook?.();
      return unknown.has(node) ? undefined : real(node);
    };
  });

  const peek = (name: string): JsonObject | undefined => rig.server.peek('zfstransfers', name);
  const meta = (name: string): JsonObject => (peek(name)?.['metadata'] ?? {}) as JsonObject;
  const writes = (): number => rig.server.requests.filter({ path: /\/zfstransfers\// }).filter((r) => r.method !== 'GET').length;

  /** A transfer whose target holds the finalizer, in `phase` (no status: Pending), deleted the way DeleteSnapshot does when asked. */
  async function transfer(from: string, to: string, phase: string | undefined, deleted = false, snapshotId = newSnapshotId()): Promise<string> {
    const volumeId = newVolumeId();
    const name = transferIdFor(snapshotId, to, 'pool/csi');
    await rig.api.create(PLURAL.transfer, {
      apiVersion: API_VERSION, kind: KIND.transfer, metadata: { name, finalizers: [FINALIZER] },
      spec: { snapshotId, volumeId, nodeName: from, targetNode: to, targetParent: 'pool/csi' },
    });
    if (phase !== undefined) await rig.api.patchStatus(PLURAL.transfer, name, { phase, ...(phase === 'Succeeded' ? { targetSnapshot: `pool/csi/${volumeId}@${snapshotId}` } : {}) });
    if (deleted) {
      await rig.api.patch(PLURAL.transfer, name, { spec: { deletionRequested: true } });
      await rig.api.delete(PLURAL.transfer, name);
      assert.ok(meta(name)['deletionTimestamp'], 'held by the target\'s finalizer');
    }
    return name;
  }

  it('a deleted transfer keeps its finalizer while its target is only "could not tell", even after a 404 before', async () => {
    const leader = monitor();
    await transfer('node-a', 'node-d', 'Succeeded'); // makes node-d a node the check asks about
    await deleteCoreNode(rig.server, 'node-d');
    await leader.check();
    assert.equal(leader.isGone('node-d'), true, 'node-d answered 404 once');
    unknown.add('node-d');
    const stuck = await transfer('node-a', 'node-d', 'Succeeded', true);
    const unsure = await transfer('node-d', 'node-a', 'Running');
    const before = writes();
    await leader.check();
    assert.equal(leader.isGone('node-d'), true, 'the last answer is kept for placement');
    assert.deepEqual(meta(stuck)['finalizers'], [FINALIZER], 'could not tell is not gone');
    assert.equal((peek(unsure)?.['spec'] as JsonObject)['deletionRequested'], undefined, 'an unsure sender\'s transfer runs on');
    assert.equal(writes(), before);
  });

  it('releases a gone target\'s finalizer, discards unfinished copies to and from it, leader only, and leaves the rest', async () => {
    const deleted = await transfer('node-a', 'node-c', 'Succeeded', true);
    const toGone = await transfer('node-a', 'node-c', 'Running');
    const fromGone = await transfer('node-c', 'node-a', undefined);
    const madeOnGone = await transfer('node-a', 'node-c', 'Succeeded');
    const failedToGone = await transfer('node-a', 'node-c', 'Failed');
    const live = await transfer('node-a', 'node-e', 'Running');
    const liveDeleted = await transfer('node-e', 'node-a', 'Succeeded', true);
    const untouched = [madeOnGone, failedToGone, live, liveDeleted];
    const versions = untouched.map((n) => meta(n)['resourceVersion']);
    await deleteCoreNode(rig.server, 'node-c');

    const before = writes();
    await monitor(false).check();
    assert.equal(writes(), before, 'a replica that is not the leader writes nothing');
    assert.ok(peek(deleted));

    await monitor().check();
    assert.equal(peek(deleted), undefined, 'the gone target\'s finalizer is removed, so the deleted transfer goes');
    assert.equal(peek(toGone), undefined, 'an unfinished copy to a gone node is deleted, finalizer and all');
    const abandoned = peek(fromGone);
    assert.equal((abandoned?.['spec'] as JsonObject)['deletionRequested'], true, 'the live target destroys what it received');
    assert.ok(meta(fromGone)['deletionTimestamp']);
    assert.deepEqual(meta(fromGone)['finalizers'], [FINALIZER], 'the live target\'s finalizer is its own to drop');
    assert.deepEqual(untouched.map((n) => meta(n)['resourceVersion']), versions, 'finished, live or not yet deleted: untouched');

    const events = rig.server.store.list(rig.server.registry.all().find((t) => t.plural === 'events') ?? assert.fail('no events'), 'zfs-system')
      .map(([, e]) => [(e['involvedObject'] as JsonObject)['name'], e['reason']]);
    for (const [name, reason] of [[deleted, 'CopyReleased'], [toGone, 'TransferAbandoned'], [toGone, 'CopyReleased'], [fromGone, 'TransferAbandoned']]) {
      assert.ok(events.some(([n, r]) => n === name && r === reason), `${reason} on ${String(name)}`);
    }

    const settled = writes();
    await monitor().check();
    assert.equal(writes(), settled, 'a second pass writes nothing new');
    // node-a's agent drops its finalizer (copy-keeper.ts): then the transfer is gone.
    await rig.api.patch(PLURAL.transfer, fromGone, { metadata: { finalizers: [] } });
    assert.equal(peek(fromGone), undefined);
  });

  it('a release decided on an older resourceVersion is refused (a returning agent), and the next pass makes it', async () => {
    const deleted = await transfer('node-a', 'node-c', 'Succeeded', true);
    hooks.set('node-c', async () => {
      await rig.api.patch(PLURAL.transfer, deleted, { metadata: { annotations: { touched: 'by the agent' } } });
    });
    await monitor().check();
    assert.deepEqual(meta(deleted)['finalizers'], [FINALIZER], 'changed after it was read: not released');
    await monitor().check();
    assert.equal(peek(deleted), undefined);
  });

  it('a restore from a gone node\'s snapshot asks for no copy (UNAVAILABLE), but uses a copy already made', async () => {
    const snapshotId = newSnapshotId();
    const volumeId = newVolumeId();
    await rig.api.create(PLURAL.snapshot, { apiVersion: API_VERSION, kind: KIND.snapshot, metadata: { name: snapshotId }, spec: { csiName: 'vs-on-c', snapshotId, sourceVolumeId: volumeId, nodeName: 'node-c' } });
    await rig.api.patchStatus(PLURAL.snapshot, snapshotId, { phase: 'Ready', readyToUse: true, zfsName: `pool/csi/${volumeId}@${snapshotId}`, sizeBytes: '1048576', creationTime: new Date().toISOString() });
    await rig.monitor.check();
    await until('Lost in the cache', () => rig.caches.snapshots.get(snapshotId)?.status?.phase === 'Lost');
    const restore = (name: string) => createReq({
      name, volume_content_source: { snapshot: { snapshot_id: snapshotId }, type: 'snapshot' } as never,
      accessibility_requirements: { requisite: [topo('node-a')], preferred: [topo('node-a')] },
    });
    const xfer = transferIdFor(snapshotId, 'node-a', 'tank/csi');
    await rejects(invoke(rig.svc, 'CreateVolume', restore('pvc-from-c')), 'UNAVAILABLE', /node node-c no longer exists/);
    assert.equal(peek(xfer), undefined, 'no copy from a gone node is asked for');

    await rig.api.create(PLURAL.transfer, {
      apiVersion: API_VERSION, kind: KIND.transfer, metadata: { name: xfer },
      spec: { snapshotId, volumeId, nodeName: 'node-c', targetNode: 'node-a', targetParent: 'tank/csi' },
    });
    await rig.api.patchStatus(PLURAL.transfer, xfer, { phase: 'Succeeded', targetSnapshot: `tank/csi/${volumeId}@${snapshotId}` });
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', restore('pvc-from-copy'));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-a')]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { JsonObject } from '../../k8s/fake-apiserver/index.js';
import { createReq, deleteCoreNode, invoke, startRig, topo, until, type Rig } from './harness.js';

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

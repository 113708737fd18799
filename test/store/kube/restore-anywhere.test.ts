/**
 * Issue #8, restore anywhere, controller side: a CreateVolume from a snapshot whose node the requisite
 * topology excludes asks for a copy on an allowed node (one ZfsTransfer, found again by name on every retry),
 * answers ABORTED with the copy's progress while it runs, relays a failed copy's code, and once the copy is
 * there places the restore beside it. The sending and receiving agents are played by the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { transferIdFor } from '../../../src/csi/ids.js';
import { NODE_LABEL, PLURAL, SNAPSHOT_LABEL, TARGET_NODE_LABEL } from '../../../src/store/kube/resources.js';
import type { JsonObject } from '../../k8s/fake-apiserver/index.js';
import { GiB, createReq, invoke, rejects, startRig, topo, type Rig } from './harness.js';

let rig: Rig;
let n = 0;
before(async () => {
  rig = await startRig();
});
after(async () => rig.close());

/** A Ready volume on node-a and a Ready snapshot of it. */
async function snapshotOnA(): Promise<{ volume: string; snapshot: string }> {
  const v = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: `pvc-src-${++n}`, accessibility_requirements: { requisite: [topo('node-a')], preferred: [] } }));
  const volume = v.volume?.volume_id ?? '';
  const s = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', { name: `vs-${n}`, source_volume_id: volume, secrets: {}, parameters: {} });
  return { volume, snapshot: s.snapshot?.snapshot_id ?? '' };
}

const restoreOnB = (name: string, snapshot: string, parameters: Record<string, string> = {}) => createReq({
  name, parameters, volume_content_source: { snapshot: { snapshot_id: snapshot }, type: 'snapshot' } as never,
  accessibility_requirements: { requisite: [topo('node-b')], preferred: [topo('node-b')] },
});

const transfers = (): JsonObject[] => rig.server.store.list(rig.server.registry.all().find((t) => t.plural === 'zfstransfers') ?? assert.fail('no zfstransfers'), undefined).map(([, o]) => o);
const status = (name: string, st: object): Promise<unknown> => rig.api.patchStatus(PLURAL.transfer, name, st);

describe('restore anywhere: CreateVolume from another node\'s snapshot', () => {
  it('asks for one copy to node-b, answers ABORTED with its progress, and places the restore beside the copy', async () => {
    const { volume, snapshot } = await snapshotOnA();
    const name = `pvc-restore-${++n}`;
    const xfer = transferIdFor(snapshot, 'node-b', 'pool2/csi');
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(name, snapshot)), 'ABORTED', new RegExp(`copying snapshot ${snapshot} to node node-b .*ZfsTransfer ${xfer}`));
    const stored = rig.server.peek('zfstransfers', xfer);
    assert.ok(stored, 'the transfer is recorded under its deterministic name');
    assert.deepEqual((stored['metadata'] as Record<string, unknown>)['labels'], { [NODE_LABEL]: 'node-a', [TARGET_NODE_LABEL]: 'node-b', [SNAPSHOT_LABEL]: snapshot });
    assert.deepEqual(stored['spec'], { snapshotId: snapshot, volumeId: volume, nodeName: 'node-a', targetNode: 'node-b', targetParent: 'pool2/csi' });

    await status(xfer, { phase: 'Running', step: 'sending', bytes: '1048576', estimateBytes: '4194304' });
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(name, snapshot)), 'ABORTED', /sending 1048576 of ~4194304 bytes/);
    assert.equal(transfers().filter((t) => (t['spec'] as Record<string, unknown>)['snapshotId'] === snapshot).length, 1, 'a retry starts no second copy');
    assert.equal((await rig.backend.findVolumeByName(name)), undefined, 'no volume is recorded before the copy is there');

    await status(xfer, { phase: 'Succeeded', mode: 'full', bytes: '4194304', targetSnapshot: `pool2/csi/${volume}@${snapshot}` });
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', restoreOnB(name, snapshot));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    assert.deepEqual(res.volume?.content_source?.snapshot, { snapshot_id: snapshot });
    const v = rig.server.peek('zfsvolumes', res.volume?.volume_id ?? '');
    assert.equal((v?.['spec'] as Record<string, unknown>)['nodeName'], 'node-b');
    assert.equal((v?.['spec'] as Record<string, unknown>)['parentDataset'], 'pool2/csi');
    assert.deepEqual((v?.['spec'] as Record<string, unknown>)['contentSource'], { kind: 'snapshot', id: snapshot });
  });

  it('a StorageClass parentDataset sends the copy into that parent', async () => {
    const { snapshot } = await snapshotOnA();
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(`pvc-restore-${++n}`, snapshot, { parentDataset: 'pool2/other' })), 'ABORTED');
    const stored = rig.server.peek('zfstransfers', transferIdFor(snapshot, 'node-b', 'pool2/other'));
    assert.equal((stored?.['spec'] as Record<string, unknown>)['targetParent'], 'pool2/other');
  });

  it('a failed copy relays its code, and is cleared so that a later attempt starts a fresh one', async () => {
    const { snapshot } = await snapshotOnA();
    const name = `pvc-restore-${++n}`;
    const xfer = transferIdFor(snapshot, 'node-b', 'pool2/csi');
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(name, snapshot)), 'ABORTED');
    await status(xfer, { phase: 'Failed', code: 'FAILED_PRECONDITION', message: 'pool2/csi/vol-x is a volume of this node' });
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(name, snapshot)), 'FAILED_PRECONDITION', /copying snapshot .* failed .*a volume of this node/);
    assert.equal(rig.server.peek('zfstransfers', xfer), undefined);
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(name, snapshot)), 'ABORTED');
    assert.ok(rig.server.peek('zfstransfers', xfer), 'a new copy was asked for');
  });

  it('a snapshot on an allowed node is cloned there, with no copy; a clone of another node\'s volume is still RESOURCE_EXHAUSTED', async () => {
    const { volume, snapshot } = await snapshotOnA();
    const before = transfers().length;
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({
      name: `pvc-local-${++n}`, volume_content_source: { snapshot: { snapshot_id: snapshot }, type: 'snapshot' } as never,
      accessibility_requirements: { requisite: [topo('node-a'), topo('node-b')], preferred: [topo('node-b')] },
    }));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-a')]);
    assert.equal(transfers().length, before);
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({
      name: `pvc-clone-${++n}`, volume_content_source: { volume: { volume_id: volume }, type: 'volume' } as never,
      accessibility_requirements: { requisite: [topo('node-b')], preferred: [] },
    })), 'RESOURCE_EXHAUSTED', /content source lives on node node-a/);
  });

  it('DeleteSnapshot removes the snapshot\'s copies with it: the deletion intent first, then the delete', async () => {
    const { snapshot } = await snapshotOnA();
    const other = await snapshotOnA();
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(`pvc-restore-${++n}`, snapshot)), 'ABORTED');
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(`pvc-restore-${++n}`, snapshot, { parentDataset: 'pool2/other' })), 'ABORTED');
    await rejects(invoke(rig.svc, 'CreateVolume', restoreOnB(`pvc-restore-${++n}`, other.snapshot)), 'ABORTED');
    const ofSnapshot = (id: string): JsonObject[] => transfers().filter((t) => (t['spec'] as Record<string, unknown>)['snapshotId'] === id);
    assert.equal(ofSnapshot(snapshot).length, 2);
    rig.server.requests.clear();
    await invoke(rig.svc, 'DeleteSnapshot', { snapshot_id: snapshot, secrets: {} });
    // Each copy: the intent (PATCH spec.deletionRequested) before the DELETE, so the target destroys it.
    const onTransfers = rig.server.requests.filter({ path: /\/zfstransfers\/xfer-/ }).map((r) => r.method);
    assert.deepEqual(onTransfers, ['PATCH', 'DELETE', 'PATCH', 'DELETE']);
    assert.deepEqual(ofSnapshot(snapshot), [], 'both copies are gone with it');
    assert.equal(ofSnapshot(other.snapshot).length, 1, 'another snapshot\'s copy stays');
  });

  it('a copy larger than the target\'s space is RESOURCE_EXHAUSTED before any copy starts', async () => {
    const { snapshot } = await snapshotOnA();
    const before = transfers().length;
    await rejects(invoke(rig.svc, 'CreateVolume', { ...restoreOnB(`pvc-big-${++n}`, snapshot), capacity_range: { required_bytes: String(60n * GiB), limit_bytes: '0' } }), 'RESOURCE_EXHAUSTED');
    assert.equal(transfers().length, before);
  });
});

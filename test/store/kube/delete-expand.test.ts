import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ControllerExpandVolumeResponse } from '../../../src/grpc/gen/csi/v1/ControllerExpandVolumeResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { ListVolumesResponse } from '../../../src/grpc/gen/csi/v1/ListVolumesResponse.js';
import { FINALIZER } from '../../../src/store/kube/resources.js';
import { GiB, createReq, invoke, rejects, startRig, until, type Rig } from './harness.js';

let rig: Rig;
let n = 0;

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());
beforeEach(() => {
  rig.agent.volumeDeletion = 'Destroyed';
  rig.agent.expand = true;
  rig.agent.expandFailure = undefined;
});

async function newVolume(): Promise<string> {
  const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: `pvc-del-${++n}` }));
  return res.volume?.volume_id ?? assert.fail('no volume id');
}

const listed = async (): Promise<string[]> =>
  (await invoke<ListVolumesResponse>(rig.svc, 'ListVolumes', { max_entries: 0, starting_token: '' })).entries?.map((e) => e.volume?.volume_id ?? '') ?? [];
const meta = (id: string): Record<string, unknown> | undefined => rig.server.peek('zfsvolumes', id)?.['metadata'] as Record<string, unknown> | undefined;
const spec = (id: string): Record<string, unknown> | undefined => rig.server.peek('zfsvolumes', id)?.['spec'] as Record<string, unknown> | undefined;

describe('KubeBackend: DeleteVolume', () => {
  it('Destroyed → the resource is deleted (the agent then drops its finalizer) and the volume is gone', async () => {
    const id = await newVolume();
    assert.deepEqual(meta(id)?.['finalizers'], [FINALIZER]);
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} });
    await until('the resource to be gone', () => rig.server.peek('zfsvolumes', id) === undefined);
    assert.ok(!(await listed()).includes(id));
    // A late retry of the same DeleteVolume is OK.
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} });
  });

  it('Retired → the resource is deleted but kept by the finalizer, hidden from the CO at once; deleting again is OK', async () => {
    const id = await newVolume();
    rig.agent.volumeDeletion = 'Retired';
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} });
    assert.ok(!(await listed()).includes(id), 'hidden from ListVolumes as soon as DeleteVolume returned');
    assert.equal(await rig.backend.getVolume(id), undefined);
    await until('deletionTimestamp', () => meta(id)?.['deletionTimestamp'] !== undefined);
    assert.deepEqual(meta(id)?.['finalizers'], [FINALIZER], 'retired data keeps its finalizer');
    const requests = rig.server.requests.count({ method: 'PATCH' });
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} }, 300);
    assert.equal(rig.server.requests.count({ method: 'PATCH' }), requests, 'a repeated delete of retired data writes nothing');
  });

  it('InUse → FAILED_PRECONDITION, deletionRequested back to false, and the volume stays the CO\'s', async () => {
    const id = await newVolume();
    rig.agent.volumeDeletion = 'InUse';
    await rejects(invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} }), 'FAILED_PRECONDITION', /in use/);
    assert.equal(spec(id)?.['deletionRequested'], false);
    await until('the volume to be visible again', () => rig.caches.volumes.get(id)?.spec.deletionRequested === false);
    assert.ok((await listed()).includes(id));
    // Once unpublished, a second delete works (the old InUse verdict is not mistaken for the new answer).
    rig.agent.volumeDeletion = 'Destroyed';
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} });
    await until('the resource to be gone', () => rig.server.peek('zfsvolumes', id) === undefined);
  });

  it('no verdict before the deadline is DEADLINE_EXCEEDED/ABORTED with the intent kept; the retry finishes it', async () => {
    const id = await newVolume();
    rig.agent.volumeDeletion = undefined;
    await rejects(invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} }, 200), ['DEADLINE_EXCEEDED', 'ABORTED']);
    assert.equal(spec(id)?.['deletionRequested'], true);
    rig.agent.volumeDeletion = 'Destroyed';
    rig.agent.poke();
    await invoke(rig.svc, 'DeleteVolume', { volume_id: id, secrets: {} });
    await until('the resource to be gone', () => rig.server.peek('zfsvolumes', id) === undefined);
  });

  it('an unknown volume ID is OK without any write', async () => {
    const writes = rig.server.requests.count({ method: 'PATCH' }) + rig.server.requests.count({ method: 'DELETE' });
    await invoke(rig.svc, 'DeleteVolume', { volume_id: 'vol-aaaaaaaaaaaaaaaaaaaa', secrets: {} });
    assert.equal(rig.server.requests.count({ method: 'PATCH' }) + rig.server.requests.count({ method: 'DELETE' }), writes);
  });
});

describe('KubeBackend: ControllerExpandVolume', () => {
  const expand = (id: string, bytes: bigint, ms?: number): Promise<ControllerExpandVolumeResponse> =>
    invoke(rig.svc, 'ControllerExpandVolume', { volume_id: id, capacity_range: { required_bytes: String(bytes), limit_bytes: '0' }, secrets: {}, volume_capability: null }, ms);

  it('patches spec.requestedBytes and answers once the agent reports the new capacity', async () => {
    const id = await newVolume();
    const res = await expand(id, 3n * GiB);
    assert.equal(res.capacity_bytes, String(3n * GiB));
    assert.equal(res.node_expansion_required, false);
    assert.equal(spec(id)?.['requestedBytes'], String(3n * GiB));
    assert.equal((await rig.backend.getVolume(id))?.capacityBytes, 3n * GiB);
  });

  it('an expansion the agent has not done by the deadline is DEADLINE_EXCEEDED/ABORTED; the retry waits for it', async () => {
    const id = await newVolume();
    rig.agent.expand = false;
    await rejects(expand(id, 2n * GiB, 200), ['DEADLINE_EXCEEDED', 'ABORTED']);
    // The pending expansion is not the volume's size yet, so the retry waits instead of claiming success.
    assert.equal((await rig.backend.getVolume(id))?.capacityBytes, GiB);
    rig.agent.expand = true;
    setTimeout(() => rig.agent.poke(), 50);
    assert.equal((await expand(id, 2n * GiB)).capacity_bytes, String(2n * GiB));
  });

  it('a terminal failure from the agent reaches the caller with its code', async () => {
    const id = await newVolume();
    rig.agent.expandFailure = { code: 'OUT_OF_RANGE', message: 'quota above the pool size' };
    await rejects(expand(id, 5n * GiB), 'OUT_OF_RANGE', /quota above the pool size/);
  });

  it('an unknown volume is NOT_FOUND', async () => {
    await rejects(expand('vol-aaaaaaaaaaaaaaaaaaab', 2n * GiB), 'NOT_FOUND');
  });
});

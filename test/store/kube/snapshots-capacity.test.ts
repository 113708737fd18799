import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { GetCapacityResponse } from '../../../src/grpc/gen/csi/v1/GetCapacityResponse.js';
import type { ListSnapshotsResponse } from '../../../src/grpc/gen/csi/v1/ListSnapshotsResponse.js';
import type { ListVolumesResponse } from '../../../src/grpc/gen/csi/v1/ListVolumesResponse.js';
import { GiB, createReq, invoke, publishNode, rejects, startRig, topo, until, type Rig } from './harness.js';

let rig: Rig;
let n = 0;

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());
beforeEach(() => {
  rig.agent.snapshotCreate = 'ready';
});

async function newVolume(size = GiB): Promise<string> {
  const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({
    name: `pvc-snap-${++n}`, capacity_range: { required_bytes: String(size), limit_bytes: '0' },
  }));
  return res.volume?.volume_id ?? assert.fail('no volume id');
}

const snapReq = (name: string, source: string): object => ({ name, source_volume_id: source, secrets: {}, parameters: {} });

describe('KubeBackend: snapshots', () => {
  it('CreateSnapshot writes a ZfsSnapshot on the source\'s node and answers once readyToUse', async () => {
    const vol = await newVolume(2n * GiB);
    const res = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', snapReq('snap-a', vol));
    const snap = res.snapshot;
    assert.match(snap?.snapshot_id ?? '', /^snap-/);
    assert.equal(snap?.source_volume_id, vol);
    assert.equal(snap?.ready_to_use, true);
    assert.equal(snap?.size_bytes, String(2n * GiB));
    assert.deepEqual(snap?.creation_time, { seconds: String(Date.parse('2024-05-01T10:20:30Z') / 1000), nanos: 0 });
    const stored = rig.server.peek('zfssnapshots', snap?.snapshot_id ?? '');
    assert.deepEqual(stored?.['spec'], { csiName: 'snap-a', snapshotId: snap?.snapshot_id, sourceVolumeId: vol, nodeName: 'node-a' });
    // Idempotent by name; another source under the same name is ALREADY_EXISTS.
    assert.deepEqual(await invoke(rig.svc, 'CreateSnapshot', snapReq('snap-a', vol)), res);
    await rejects(invoke(rig.svc, 'CreateSnapshot', snapReq('snap-a', await newVolume())), 'ALREADY_EXISTS');
    // Restorable: a clone lands next to its source.
    const clone = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({
      name: `pvc-clone-${++n}`, capacity_range: null,
      volume_content_source: { snapshot: { snapshot_id: snap?.snapshot_id ?? '' }, type: 'snapshot' },
    }));
    assert.equal(clone.volume?.capacity_bytes, String(2n * GiB));
    const spec = rig.server.peek('zfsvolumes', clone.volume?.volume_id ?? '')?.['spec'] as Record<string, unknown>;
    assert.deepEqual(spec['contentSource'], { kind: 'snapshot', id: snap?.snapshot_id });
  });

  it('a snapshot the agent fails is reported with its code and removed', async () => {
    const vol = await newVolume();
    rig.agent.snapshotCreate = { code: 'FAILED_PRECONDITION', message: 'dataset busy' };
    await rejects(invoke(rig.svc, 'CreateSnapshot', snapReq('snap-fail', vol)), 'FAILED_PRECONDITION', /dataset busy/);
    await until('the failed snapshot resource to go', () => rig.caches.snapshots.list().every((s) => s.spec.csiName !== 'snap-fail'));
  });

  it('DeleteSnapshot waits for Destroyed, deletes the resource, hides it at once; repeating is OK', async () => {
    const vol = await newVolume();
    const res = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', snapReq('snap-del', vol));
    const id = res.snapshot?.snapshot_id ?? '';
    await invoke(rig.svc, 'DeleteSnapshot', { snapshot_id: id, secrets: {} });
    assert.equal(await rig.backend.getSnapshot(id), undefined);
    const list = await invoke<ListSnapshotsResponse>(rig.svc, 'ListSnapshots', { max_entries: 0, starting_token: '', source_volume_id: '', snapshot_id: '', secrets: {} });
    assert.ok(!(list.entries ?? []).some((e) => e.snapshot?.snapshot_id === id));
    await until('the snapshot resource to be gone', () => rig.server.peek('zfssnapshots', id) === undefined);
    await invoke(rig.svc, 'DeleteSnapshot', { snapshot_id: id, secrets: {} });
  });
});

describe('KubeBackend: capacity, nodes and lists', () => {
  const capacity = (node?: string, params: Record<string, string> = {}): Promise<GetCapacityResponse> =>
    invoke(rig.svc, 'GetCapacity', { volume_capabilities: [], parameters: params, accessible_topology: node === undefined ? null : topo(node) });

  it('GetCapacity answers from each ZfsNode\'s status.parents per topology', async () => {
    assert.equal((await capacity('node-a')).available_capacity, String(100n * GiB));
    assert.equal((await capacity('node-b')).available_capacity, String(50n * GiB));
    assert.equal((await capacity('node-b', { parentDataset: 'pool2/other' })).available_capacity, String(10n * GiB));
    const all = await capacity();
    assert.equal(all.available_capacity, String(150n * GiB));
    assert.equal(all.maximum_volume_size?.value, String(100n * GiB));
    assert.equal((await capacity('node-z')).available_capacity, '0');
    // A fresh report from the agent is seen at once.
    await publishNode(rig.api, 'node-b', [['pool2/csi', 7n * GiB]]);
    await until('new figure', () => rig.caches.nodes.get('node-b')?.status?.parents?.[0]?.availableBytes === String(7n * GiB));
    assert.equal((await capacity('node-b')).available_capacity, String(7n * GiB));
    assert.deepEqual(await rig.backend.nodes(), ['node-a', 'node-b']);
    const reports = await rig.backend.capacity('node-b', AbortSignal.timeout(1000));
    assert.deepEqual(reports, [{ node: 'node-b', parent: 'pool2/csi', availableBytes: 7n * GiB, retiredBytes: 1000n }]);
    await publishNode(rig.api, 'node-b', [['pool2/csi', 50n * GiB], ['pool2/other', 10n * GiB]]);
  });

  it('ListVolumes pages by ID over the cache, stable while volumes come and go', async () => {
    for (let i = 0; i < 5; i++) await newVolume();
    const all = (await rig.backend.listVolumes()).map((v) => v.id);
    assert.deepEqual(all, [...all].sort());
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await invoke<ListVolumesResponse>(rig.svc, 'ListVolumes', { max_entries: 2, starting_token: token });
      assert.ok((page.entries ?? []).length <= 2);
      seen.push(...(page.entries ?? []).map((e) => e.volume?.volume_id ?? ''));
      token = page.next_token ?? '';
      // A volume created mid-listing must not shift the pages (the token is a key, not an offset).
      if (pages++ === 0) await newVolume();
    } while (token !== '');
    for (const id of all) assert.ok(seen.includes(id), `${id} listed`);
    assert.equal(new Set(seen).size, seen.length, 'no volume listed twice');
    await rejects(invoke(rig.svc, 'ListVolumes', { max_entries: 2, starting_token: 'bogus' }), 'ABORTED');
  });

  it('a Pending volume is not listed and getVolume does not know it yet', async () => {
    rig.agent.volumeCreate = 'silent';
    const name = `pvc-pending-${++n}`;
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name }), 100), ['DEADLINE_EXCEEDED', 'ABORTED']);
    rig.agent.volumeCreate = 'ready';
    const pending = rig.caches.volumes.list().find((v) => v.spec.csiName === name);
    assert.ok(pending);
    assert.equal(await rig.backend.getVolume(pending.metadata.name), undefined);
    assert.ok(!(await rig.backend.listVolumes()).some((v) => v.id === pending.metadata.name));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerGetVolumeResponse } from '../../../src/grpc/gen/csi/v1/ControllerGetVolumeResponse.js';
import type { ListSnapshotsResponse } from '../../../src/grpc/gen/csi/v1/ListSnapshotsResponse.js';
import type { ListVolumesResponse } from '../../../src/grpc/gen/csi/v1/ListVolumesResponse.js';
import { encodeToken } from '../../../src/csi/pagination.js';
import { GiB, invoke, rejects, setup, topo } from './helpers.js';

const vid = (c: string): string => `vol-${c.repeat(20)}`;
const sid = (c: string): string => `snap-${c.repeat(20)}`;

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  for (const c of ['c', 'a', 'e', 'b', 'd']) {
    s.backend.addVolume({ id: vid(c), name: `pvc-${c}`, node: 'node-a', parent: 'tank/csi', capacityBytes: GiB });
  }
  s.backend.addSnapshot({ id: sid('b'), name: 's1', sourceVolumeId: vid('a'), node: 'node-a' }, GiB);
  s.backend.addSnapshot({ id: sid('a'), name: 's2', sourceVolumeId: vid('b'), node: 'node-a' }, GiB);
  s.backend.addSnapshot({ id: sid('c'), name: 's3', sourceVolumeId: vid('a'), node: 'node-a' }, GiB);
  return s;
}

async function allVolumeIds(svc: ReturnType<typeof setup>['svc'], max: number): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const res = await invoke<ListVolumesResponse>(svc, 'ListVolumes', { max_entries: max, starting_token: token });
    assert.ok((res.entries ?? []).length <= max);
    ids.push(...(res.entries ?? []).map((e) => e.volume?.volume_id ?? ''));
    token = res.next_token ?? '';
  } while (token !== '');
  return ids;
}

describe('ListVolumes', () => {
  it('lists every volume with topology and a healthy condition', async () => {
    const { svc } = seeded();
    const res = await invoke<ListVolumesResponse>(svc, 'ListVolumes', { max_entries: 0, starting_token: '' });
    assert.equal(res.next_token, '');
    assert.equal(res.entries?.length, 5);
    const first = res.entries?.[0];
    assert.equal(first?.volume?.volume_id, vid('a'));
    assert.equal(first?.volume?.capacity_bytes, String(GiB));
    assert.deepEqual(first?.volume?.accessible_topology, [topo('node-a')]);
    assert.deepEqual(first?.status?.volume_condition, { abnormal: false, message: 'volume is healthy' });
  });

  it('reports each volume\'s state from the backend, asked once per page', async () => {
    const { backend, svc } = seeded();
    backend.states.set(vid('b'), { condition: { abnormal: true, message: 'pool tank is DEGRADED' }, publishedNodes: ['node-a'] });
    backend.states.set(vid('c'), { condition: { abnormal: true, message: 'dataset tank/csi/c is missing' } });
    const res = await invoke<ListVolumesResponse>(svc, 'ListVolumes', { max_entries: 3, starting_token: '' });
    assert.deepEqual(res.entries?.map((e) => e.status), [
      { published_node_ids: [], volume_condition: { abnormal: false, message: 'volume is healthy' } },
      { published_node_ids: ['node-a'], volume_condition: { abnormal: true, message: 'pool tank is DEGRADED' } },
      { published_node_ids: [], volume_condition: { abnormal: true, message: 'dataset tank/csi/c is missing' } },
    ]);
    assert.deepEqual(backend.calls.filter((c) => c.method === 'volumeStates').map((c) => c.args[0]), [[vid('a'), vid('b'), vid('c')]]);
  });

  it('honours max_entries with an opaque token, in ID order', async () => {
    const { svc } = seeded();
    assert.deepEqual(await allVolumeIds(svc, 2), ['a', 'b', 'c', 'd', 'e'].map(vid));
  });

  it('a token survives deletes and inserts between pages', async () => {
    const { backend, svc } = seeded();
    const p1 = await invoke<ListVolumesResponse>(svc, 'ListVolumes', { max_entries: 2, starting_token: '' });
    backend.volumes.delete(vid('b'));
    backend.volumes.delete(vid('c'));
    backend.addVolume({ id: vid('f'), name: 'f', node: 'node-a', parent: 'tank/csi', capacityBytes: GiB });
    const p2 = await invoke<ListVolumesResponse>(svc, 'ListVolumes', { max_entries: 2, starting_token: p1.next_token });
    assert.deepEqual(p2.entries?.map((e) => e.volume?.volume_id), [vid('d'), vid('e')]);
  });

  it('negative max_entries → INVALID_ARGUMENT; bad token → ABORTED; both before the backend is read', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'ListVolumes', { max_entries: -1, starting_token: '' }), 'INVALID_ARGUMENT');
    await rejects(invoke(svc, 'ListVolumes', { max_entries: 0, starting_token: 'bogus' }), 'ABORTED');
    await rejects(invoke(svc, 'ListVolumes', { max_entries: 0, starting_token: encodeToken(sid('a')) }), 'ABORTED');
    assert.deepEqual(backend.calls, []);
  });
});

describe('ListSnapshots', () => {
  const list = (svc: ReturnType<typeof setup>['svc'], over: object): Promise<ListSnapshotsResponse> =>
    invoke<ListSnapshotsResponse>(svc, 'ListSnapshots', { max_entries: 0, starting_token: '', source_volume_id: '', snapshot_id: '', secrets: {}, ...over });
  const ids = (res: ListSnapshotsResponse): string[] => (res.entries ?? []).map((e) => e.snapshot?.snapshot_id ?? '');

  it('lists all in ID order, paged', async () => {
    const { svc } = seeded();
    assert.deepEqual(ids(await list(svc, {})), [sid('a'), sid('b'), sid('c')]);
    const p1 = await list(svc, { max_entries: 2 });
    assert.deepEqual(ids(p1), [sid('a'), sid('b')]);
    const p2 = await list(svc, { max_entries: 2, starting_token: p1.next_token });
    assert.deepEqual(ids(p2), [sid('c')]);
    assert.equal(p2.next_token, '');
  });

  it('filters by snapshot_id and by source_volume_id', async () => {
    const { svc } = seeded();
    assert.deepEqual(ids(await list(svc, { snapshot_id: sid('b') })), [sid('b')]);
    assert.deepEqual(ids(await list(svc, { source_volume_id: vid('a') })), [sid('b'), sid('c')]);
    assert.deepEqual(ids(await list(svc, { snapshot_id: sid('b'), source_volume_id: vid('a') })), [sid('b')]);
  });

  it('filters that match nothing → an empty list, not an error', async () => {
    const { svc } = seeded();
    for (const over of [{ snapshot_id: sid('z') }, { snapshot_id: 'garbage' }, { source_volume_id: vid('z') },
      { snapshot_id: sid('b'), source_volume_id: vid('b') }]) {
      const res = await list(svc, over);
      assert.deepEqual(res.entries, []);
      assert.equal(res.next_token, '');
    }
  });

  it('bad token → ABORTED, negative max_entries → INVALID_ARGUMENT', async () => {
    const { svc } = seeded();
    await rejects(list(svc, { starting_token: encodeToken(vid('a')) }), 'ABORTED');
    await rejects(list(svc, { max_entries: -3 }), 'INVALID_ARGUMENT');
  });
});

describe('ControllerGetVolume', () => {
  it('returns the volume with a condition; unknown → NOT_FOUND; missing id → INVALID_ARGUMENT', async () => {
    const { backend, svc } = seeded();
    const res = await invoke<ControllerGetVolumeResponse>(svc, 'ControllerGetVolume', { volume_id: vid('c') });
    assert.equal(res.volume?.volume_id, vid('c'));
    assert.deepEqual(res.status?.volume_condition, { abnormal: false, message: 'volume is healthy' });
    await rejects(invoke(svc, 'ControllerGetVolume', { volume_id: vid('z') }), 'NOT_FOUND');
    backend.states.set(vid('c'), { condition: { abnormal: true, message: 'pool tank is FAULTED' }, publishedNodes: ['node-a'] });
    const bad = await invoke<ControllerGetVolumeResponse>(svc, 'ControllerGetVolume', { volume_id: vid('c') });
    assert.deepEqual(bad.status, { published_node_ids: ['node-a'], volume_condition: { abnormal: true, message: 'pool tank is FAULTED' } });
    await rejects(invoke(svc, 'ControllerGetVolume', { volume_id: 'x/y' }), 'NOT_FOUND');
    await rejects(invoke(svc, 'ControllerGetVolume', { volume_id: '' }), 'INVALID_ARGUMENT');
  });
});

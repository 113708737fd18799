import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotSpec } from '../../../src/domain/types.js';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { GetSnapshotResponse } from '../../../src/grpc/gen/csi/v1/GetSnapshotResponse.js';
import { GiB, invoke, rejects, setup } from './helpers.js';

const VOL = 'vol-aaaaaaaaaaaaaaaaaaaa';
const VOL2 = 'vol-bbbbbbbbbbbbbbbbbbbb';
type Res = CreateSnapshotResponse;

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  s.backend.addVolume({ id: VOL, name: 'a', node: 'node-b', parent: 'pool2/csi', capacityBytes: 3n * GiB });
  s.backend.addVolume({ id: VOL2, name: 'b', node: 'node-a', parent: 'tank/csi', capacityBytes: GiB });
  return s;
}

const req = (over: object = {}): object => ({ name: 'snap-1', source_volume_id: VOL, secrets: {}, parameters: {}, ...over });

describe('CreateSnapshot', () => {
  it('missing name or source, or unknown parameters → INVALID_ARGUMENT before the backend is touched', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'CreateSnapshot', req({ name: '' })), 'INVALID_ARGUMENT', /name/);
    await rejects(invoke(svc, 'CreateSnapshot', req({ source_volume_id: '' })), 'INVALID_ARGUMENT', /source_volume_id/);
    await rejects(invoke(svc, 'CreateSnapshot', req({ parameters: { compression: 'lz4' } })), 'INVALID_ARGUMENT', /compression/);
    assert.deepEqual(backend.calls, []);
  });

  it('snapshots the source on its node and answers ready_to_use with size and creation time', async () => {
    const { backend, svc } = seeded();
    const res = await invoke<Res>(svc, 'CreateSnapshot', req({ parameters: { 'csi.storage.k8s.io/volumesnapshot/name': 'x' } }));
    const snap = res.snapshot;
    assert.ok(snap);
    assert.match(snap.snapshot_id ?? '', /^snap-[a-z2-7]{20}$/);
    assert.equal(snap.source_volume_id, VOL);
    assert.equal(snap.size_bytes, String(3n * GiB));
    assert.equal(snap.ready_to_use, true);
    assert.deepEqual(snap.creation_time, { seconds: String(Date.parse('2024-05-01T10:20:30Z') / 1000), nanos: 123_000_000 });
    const spec = backend.calls.find((c) => c.method === 'createSnapshot')?.args[0] as SnapshotSpec;
    assert.deepEqual(spec, { id: snap.snapshot_id, name: 'snap-1', sourceVolumeId: VOL, node: 'node-b' });
  });

  it('a retry returns the same snapshot with the same creation_time', async () => {
    const { backend, svc } = seeded();
    const a = await invoke<Res>(svc, 'CreateSnapshot', req());
    backend.now = new Date('2030-01-01T00:00:00Z');
    const b = await invoke<Res>(svc, 'CreateSnapshot', req());
    assert.deepEqual(b, a);
    assert.equal(backend.methods().filter((m) => m === 'createSnapshot').length, 1);
  });

  it('the same name for another source → ALREADY_EXISTS', async () => {
    const { svc } = seeded();
    await invoke<Res>(svc, 'CreateSnapshot', req());
    await rejects(invoke(svc, 'CreateSnapshot', req({ source_volume_id: VOL2 })), 'ALREADY_EXISTS');
  });

  it('unknown or malformed source → NOT_FOUND', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'CreateSnapshot', req({ source_volume_id: 'vol-cccccccccccccccccccc' })), 'NOT_FOUND');
    await rejects(invoke(svc, 'CreateSnapshot', req({ source_volume_id: 'tank/csi/x' })), 'NOT_FOUND');
    assert.ok(!backend.methods().includes('createSnapshot'));
  });

  it('locks on the snapshot name', () => {
    const { svc } = setup();
    assert.deepEqual(svc['CreateSnapshot']?.lockKeys?.(req() as never), ['snapshot-name:snap-1']);
  });
});

describe('DeleteSnapshot', () => {
  it('snapshot_id required → INVALID_ARGUMENT, backend untouched', async () => {
    const { backend, svc } = setup();
    await rejects(invoke(svc, 'DeleteSnapshot', { snapshot_id: '', secrets: {} }), 'INVALID_ARGUMENT');
    assert.deepEqual(backend.calls, []);
  });

  it('deletes through the backend; gone or malformed → OK', async () => {
    const { backend, svc } = seeded();
    const created = await invoke<Res>(svc, 'CreateSnapshot', req());
    const id = created.snapshot?.snapshot_id;
    assert.deepEqual(await invoke(svc, 'DeleteSnapshot', { snapshot_id: id, secrets: {} }), {});
    assert.ok(!backend.snapshots.has(id ?? ''));
    assert.deepEqual(await invoke(svc, 'DeleteSnapshot', { snapshot_id: id, secrets: {} }), {});
    const before = backend.calls.length;
    assert.deepEqual(await invoke(svc, 'DeleteSnapshot', { snapshot_id: 'tank@x', secrets: {} }), {});
    assert.equal(backend.calls.length, before);
    assert.deepEqual(svc['DeleteSnapshot']?.lockKeys?.({ snapshot_id: 'snap-x' } as never), ['snapshot:snap-x']);
  });
});

describe('GetSnapshot', () => {
  it('returns the snapshot; unknown → NOT_FOUND; missing id → INVALID_ARGUMENT', async () => {
    const { svc } = seeded();
    const created = await invoke<Res>(svc, 'CreateSnapshot', req());
    const got = await invoke<GetSnapshotResponse>(svc, 'GetSnapshot', { snapshot_id: created.snapshot?.snapshot_id, secrets: {} });
    assert.deepEqual(got.snapshot, created.snapshot);
    await rejects(invoke(svc, 'GetSnapshot', { snapshot_id: 'snap-zzzzzzzzzzzzzzzzzzzz', secrets: {} }), 'NOT_FOUND');
    await rejects(invoke(svc, 'GetSnapshot', { snapshot_id: 'nope', secrets: {} }), 'NOT_FOUND');
    await rejects(invoke(svc, 'GetSnapshot', { snapshot_id: '', secrets: {} }), 'INVALID_ARGUMENT');
  });
});

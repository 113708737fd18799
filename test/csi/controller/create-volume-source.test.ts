import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VolumeSpec } from '../../../src/domain/types.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { GiB, createReq, invoke, range, rejects, setup, topo } from './helpers.js';

const SRC = 'vol-srcsrcsrcsrcsrcsrcsr';
const SNAP = 'snap-aaaaaaaaaaaaaaaaaaaa';

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  s.backend.addVolume({ id: SRC, name: 'src', node: 'node-b', parent: 'pool2/csi', capacityBytes: 4n * GiB });
  s.backend.addSnapshot({ id: SNAP, name: 'snap', sourceVolumeId: SRC, node: 'node-b' }, 4n * GiB, 'pool2/csi');
  return s;
}

const fromSnap = { snapshot: { snapshot_id: SNAP }, type: 'snapshot' as const };
const fromVol = { volume: { volume_id: SRC }, type: 'volume' as const };

function spec(s: ReturnType<typeof setup>): VolumeSpec {
  const call = s.backend.calls.find((c) => c.method === 'createVolume');
  assert.ok(call);
  return call.args[0] as VolumeSpec;
}

describe('CreateVolume from a snapshot', () => {
  it('sits on the snapshot\'s node under its parent, as large as the snapshot by default', async () => {
    const s = seeded();
    const res = await invoke<CreateVolumeResponse>(s.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap }));
    assert.equal(res.volume?.capacity_bytes, String(4n * GiB));
    assert.deepEqual(res.volume?.content_source, { snapshot: { snapshot_id: SNAP } });
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    const sp = spec(s);
    assert.deepEqual(sp.source, { kind: 'snapshot', snapshotId: SNAP });
    assert.equal(sp.node, 'node-b');
    assert.equal(sp.parent, 'pool2/csi');
  });

  it('still restores when the source volume is gone (retired volumes keep their snapshots)', async () => {
    const s = seeded();
    s.backend.volumes.delete(SRC);
    await invoke(s.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap }));
    assert.equal(spec(s).parent, 'pool2/csi');
  });

  it('a larger size is honoured, a smaller one is OUT_OF_RANGE', async () => {
    const s = seeded();
    const res = await invoke<CreateVolumeResponse>(s.svc, 'CreateVolume',
      createReq({ volume_content_source: fromSnap, capacity_range: range(6n * GiB) }));
    assert.equal(res.volume?.capacity_bytes, String(6n * GiB));
    const t = seeded();
    await rejects(invoke(t.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap, capacity_range: range(GiB) })),
      'OUT_OF_RANGE');
    await rejects(invoke(t.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap, capacity_range: range(0n, 2n * GiB) })),
      'OUT_OF_RANGE');
    assert.ok(!t.backend.methods().includes('createVolume'));
  });

  it('unknown or malformed snapshot → NOT_FOUND; a malformed ID is never looked up', async () => {
    const s = seeded();
    await rejects(invoke(s.svc, 'CreateVolume',
      createReq({ volume_content_source: { snapshot: { snapshot_id: 'snap-bbbbbbbbbbbbbbbbbbbb' } } })), 'NOT_FOUND');
    const before = s.backend.calls.length;
    await rejects(invoke(s.svc, 'CreateVolume',
      createReq({ volume_content_source: { snapshot: { snapshot_id: 'tank/x@y' } } })), 'NOT_FOUND');
    assert.ok(!s.backend.calls.slice(before).some((c) => c.method === 'getSnapshot'));
    assert.ok(!s.backend.methods().includes('createVolume'));
  });

  it('a requisite topology that excludes the snapshot\'s node → RESOURCE_EXHAUSTED', async () => {
    const s = seeded();
    await rejects(invoke(s.svc, 'CreateVolume', createReq({
      volume_content_source: fromSnap,
      accessibility_requirements: { requisite: [topo('node-a')], preferred: [topo('node-a')] },
    })), 'RESOURCE_EXHAUSTED');
    assert.ok(!s.backend.methods().includes('createVolume'));
  });

  it('the clone needs space on the source\'s parent', async () => {
    const s = seeded();
    s.backend.reports = s.backend.reports.map((r) => ({ ...r, availableBytes: GiB }));
    await rejects(invoke(s.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap })), 'RESOURCE_EXHAUSTED');
  });
});

describe('CreateVolume from a volume', () => {
  it('sits next to the source and is at least as large', async () => {
    const s = seeded();
    const res = await invoke<CreateVolumeResponse>(s.svc, 'CreateVolume', createReq({ volume_content_source: fromVol }));
    assert.equal(res.volume?.capacity_bytes, String(4n * GiB));
    assert.deepEqual(res.volume?.content_source, { volume: { volume_id: SRC } });
    const sp = spec(s);
    assert.deepEqual(sp.source, { kind: 'volume', volumeId: SRC });
    assert.equal(sp.node, 'node-b');
    assert.equal(sp.parent, 'pool2/csi');
  });

  it('smaller than the source → OUT_OF_RANGE; unknown source → NOT_FOUND', async () => {
    const s = seeded();
    await rejects(invoke(s.svc, 'CreateVolume', createReq({ volume_content_source: fromVol, capacity_range: range(GiB) })),
      'OUT_OF_RANGE');
    await rejects(invoke(s.svc, 'CreateVolume',
      createReq({ volume_content_source: { volume: { volume_id: 'vol-zzzzzzzzzzzzzzzzzzzz' } } })), 'NOT_FOUND');
    assert.ok(!s.backend.methods().includes('createVolume'));
  });

  it('a retry of a clone returns the same clone; the same name with another source → ALREADY_EXISTS', async () => {
    const s = seeded();
    const a = await invoke<CreateVolumeResponse>(s.svc, 'CreateVolume', createReq({ volume_content_source: fromVol }));
    const b = await invoke<CreateVolumeResponse>(s.svc, 'CreateVolume', createReq({ volume_content_source: fromVol }));
    assert.deepEqual(b, a);
    await rejects(invoke(s.svc, 'CreateVolume', createReq({ volume_content_source: fromSnap })), 'ALREADY_EXISTS');
  });
});

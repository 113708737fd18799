import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerExpandVolumeResponse } from '../../../src/grpc/gen/csi/v1/ControllerExpandVolumeResponse.js';
import { GiB, invoke, mountCap, range, rejects, setup } from './helpers.js';

const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';
type Res = ControllerExpandVolumeResponse;

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  s.backend.addVolume({ id: ID, name: 'a', node: 'node-a', parent: 'tank/csi', capacityBytes: 2n * GiB });
  return s;
}

const req = (over: object): object => ({ volume_id: ID, capacity_range: range(3n * GiB), secrets: {}, volume_capability: null, ...over });

describe('ControllerExpandVolume', () => {
  it('missing volume_id or capacity_range → INVALID_ARGUMENT before the backend is touched', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ volume_id: '' })), 'INVALID_ARGUMENT', /volume_id/);
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ capacity_range: null })), 'INVALID_ARGUMENT', /capacity_range/);
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ capacity_range: range(0n) })), 'INVALID_ARGUMENT');
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ capacity_range: range(5n, 4n) })), 'INVALID_ARGUMENT');
    await rejects(invoke(svc, 'ControllerExpandVolume',
      req({ volume_capability: { block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } } })), 'INVALID_ARGUMENT');
    assert.deepEqual(backend.calls, []);
  });

  it('unknown or malformed volume → NOT_FOUND', async () => {
    const { svc } = seeded();
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ volume_id: 'vol-bbbbbbbbbbbbbbbbbbbb' })), 'NOT_FOUND');
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ volume_id: 'tank/x' })), 'NOT_FOUND');
  });

  it('grows to exactly the requested bytes; no node step for filesystems', async () => {
    const { backend, svc } = seeded();
    const bytes = 3n * GiB + 12345n;
    const res = await invoke<Res>(svc, 'ControllerExpandVolume', req({ capacity_range: range(bytes), volume_capability: mountCap() }));
    assert.deepEqual(res, { capacity_bytes: String(bytes), node_expansion_required: false });
    const call = backend.calls.find((c) => c.method === 'expandVolume');
    assert.deepEqual(call?.args, [ID, bytes]);
  });

  it('already large enough → its current size, no backend change (never shrinks)', async () => {
    const { backend, svc } = seeded();
    const res = await invoke<Res>(svc, 'ControllerExpandVolume', req({ capacity_range: range(GiB) }));
    assert.deepEqual(res, { capacity_bytes: String(2n * GiB), node_expansion_required: false });
    const same = await invoke<Res>(svc, 'ControllerExpandVolume', req({ capacity_range: range(2n * GiB) }));
    assert.equal(same.capacity_bytes, String(2n * GiB));
    assert.ok(!backend.methods().includes('expandVolume'));
  });

  it('a limit below the current size cannot be met → OUT_OF_RANGE', async () => {
    const { svc } = seeded();
    await rejects(invoke(svc, 'ControllerExpandVolume', req({ capacity_range: range(GiB, GiB) })), 'OUT_OF_RANGE');
  });

  it('locks on the volume ID', () => {
    const { svc } = setup();
    assert.deepEqual(svc['ControllerExpandVolume']?.lockKeys?.({ volume_id: ID } as never), [`volume:${ID}`]);
  });
});

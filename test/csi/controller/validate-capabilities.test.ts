import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidateVolumeCapabilitiesResponse } from '../../../src/grpc/gen/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import { GiB, invoke, mountCap, rejects, setup } from './helpers.js';

const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';
type Res = ValidateVolumeCapabilitiesResponse;

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  s.backend.addVolume({
    id: ID, name: 'a', node: 'node-a', parent: 'tank/csi', capacityBytes: GiB,
    params: { properties: { compression: 'lz4' }, quotaType: 'refquota', thin: true },
  });
  return s;
}

const req = (over: object = {}): object => ({
  volume_id: ID,
  volume_context: { k: 'v' },
  volume_capabilities: [mountCap(), mountCap('SINGLE_NODE_READER_ONLY')],
  parameters: {},
  secrets: {},
  mutable_parameters: {},
  ...over,
});

describe('ValidateVolumeCapabilities', () => {
  it('missing volume_id or capabilities → INVALID_ARGUMENT, backend untouched', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'ValidateVolumeCapabilities', req({ volume_id: '' })), 'INVALID_ARGUMENT', /volume_id/);
    await rejects(invoke(svc, 'ValidateVolumeCapabilities', req({ volume_capabilities: [] })), 'INVALID_ARGUMENT', /volume_capabilities/);
    assert.deepEqual(backend.calls, []);
  });

  it('unknown or malformed volume → NOT_FOUND', async () => {
    const { svc } = seeded();
    await rejects(invoke(svc, 'ValidateVolumeCapabilities', req({ volume_id: 'vol-bbbbbbbbbbbbbbbbbbbb' })), 'NOT_FOUND');
    await rejects(invoke(svc, 'ValidateVolumeCapabilities', req({ volume_id: 'pvc-1' })), 'NOT_FOUND');
  });

  it('all supported → confirmed echoes capabilities, context and parameters', async () => {
    const { svc } = seeded();
    const params = { compression: 'LZ4', 'csi.storage.k8s.io/pvc/name': 'a' };
    const res = await invoke<Res>(svc, 'ValidateVolumeCapabilities', req({ parameters: params }));
    assert.deepEqual(res.confirmed, {
      volume_context: { k: 'v' },
      volume_capabilities: [mountCap(), mountCap('SINGLE_NODE_READER_ONLY')],
      parameters: params,
      mutable_parameters: {},
    });
    assert.equal(res.message, '');
  });

  const refused: [string, object, RegExp][] = [
    ['a block capability', { volume_capabilities: [mountCap(), { block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }] }, /block/],
    ['a multi-node mode', { volume_capabilities: [mountCap('MULTI_NODE_READER_ONLY')] }, /MULTI_NODE_READER_ONLY/],
    ['another fs_type', { volume_capabilities: [{ mount: { fs_type: 'ext4', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }] }, /ext4/],
    ['unknown parameters', { parameters: { foo: 'bar' } }, /"foo"/],
    ['parameters the volume was not created with', { parameters: { compression: 'off' } }, /other parameters/],
    ['mutable parameters', { mutable_parameters: { iops: '5' } }, /mutable/],
  ];
  for (const [what, over, message] of refused) {
    it(`${what} → not confirmed, with a message`, async () => {
      const { svc } = seeded();
      const res = await invoke<Res>(svc, 'ValidateVolumeCapabilities', req(over));
      assert.equal(res.confirmed, null);
      assert.match(res.message ?? '', message);
    });
  }
});

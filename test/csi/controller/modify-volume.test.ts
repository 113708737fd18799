import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MUTABLE_KEYS, parseMutableParams } from '../../../src/csi/mutable-params.js';
import { allowedKeys } from '../../../src/csi/params.js';
import { holdsChange, isEmptyChange, mergeChanges, withChange } from '../../../src/domain/volume-change.js';
import type { ValidateVolumeCapabilitiesResponse } from '../../../src/grpc/gen/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { GiB, createReq, invoke, mountCap, rejects, setup } from './helpers.js';

const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';

function seeded(): ReturnType<typeof setup> {
  const s = setup();
  s.backend.addVolume({
    id: ID, name: 'a', node: 'node-a', parent: 'tank/csi', capacityBytes: 2n * GiB,
    params: { properties: { compression: 'lz4', xattr: 'sa' }, quotaType: 'refquota', thin: true },
  });
  return s;
}

const req = (mutable: Record<string, string>, id = ID): object => ({ volume_id: id, secrets: {}, mutable_parameters: mutable });

describe('mutable parameters (grammar)', () => {
  it('every mutable key is an allowed StorageClass key, normalised by the same grammar', () => {
    for (const key of MUTABLE_KEYS) assert.ok(allowedKeys().includes(key), key);
    assert.deepEqual(parseMutableParams({ recordsize: '1M', compression: 'LZ4', quotaType: 'Quota', thin: 'false' }), {
      properties: { compression: 'lz4', recordsize: '1048576' }, quotaType: 'quota', thin: false,
    });
    assert.deepEqual(parseMutableParams({ 'csi.storage.k8s.io/pvc/name': 'x' }), { properties: {} });
  });

  it('foreignSnapshots is mutable driver policy: it merges, applies and is held like the others', () => {
    const change = parseMutableParams({ foreignSnapshots: 'DESTROY' });
    assert.deepEqual(change, { properties: {}, foreignSnapshots: 'destroy' });
    assert.ok(!isEmptyChange(change));
    const params = { properties: {}, quotaType: 'refquota', thin: true } as const;
    assert.equal(withChange(params, change).foreignSnapshots, 'destroy');
    assert.ok(holdsChange(params, { properties: {}, foreignSnapshots: 'keep' }), 'no policy recorded = keep');
    assert.ok(!holdsChange(params, change));
    assert.equal(mergeChanges(change, { properties: { atime: 'off' } }).foreignSnapshots, 'destroy');
    assert.throws(() => parseMutableParams({ foreignSnapshots: 'x' }), /foreignSnapshots: "x" is not one of keep\|destroy/);
  });

  it('immutable, unknown and badly valued keys are INVALID_ARGUMENT naming the key', () => {
    const refused = (m: Record<string, string>, re: RegExp): void => {
      assert.throws(() => parseMutableParams(m), (e: unknown) => e instanceof Error && re.test(e.message) && (e as { code?: string }).code === 'INVALID_ARGUMENT');
    };
    refused({ casesensitivity: 'mixed' }, /"casesensitivity" is not a parameter/);
    refused({ xattr: 'sa' }, /"xattr" cannot change on an existing volume/);
    refused({ parentDataset: 'tank/x' }, /"parentDataset" cannot change/);
    refused({ constructor: 'x' }, /"constructor"/);
    refused({ recordsize: '3000' }, /recordsize/);
    refused({ thin: 'maybe' }, /thin/);
  });
});

describe('ControllerModifyVolume', () => {
  it('checks arguments before the volume: bad keys are INVALID_ARGUMENT with the backend untouched', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'ControllerModifyVolume', req({ compression: 'zstd' }, '')), 'INVALID_ARGUMENT', /volume_id/);
    await rejects(invoke(svc, 'ControllerModifyVolume', req({ compression: 'zstd', casesensitivity: 'mixed' })), 'INVALID_ARGUMENT', /casesensitivity/);
    await rejects(invoke(svc, 'ControllerModifyVolume', req({ checksum: 'sha256' })), 'INVALID_ARGUMENT', /checksum/);
    assert.deepEqual(backend.calls, []);
  });

  it('an unknown or malformed volume is NOT_FOUND', async () => {
    const { backend, svc } = seeded();
    await rejects(invoke(svc, 'ControllerModifyVolume', req({ compression: 'zstd' }, 'vol-bbbbbbbbbbbbbbbbbbbb')), 'NOT_FOUND');
    await rejects(invoke(svc, 'ControllerModifyVolume', req({ compression: 'zstd' }, 'tank/x')), 'NOT_FOUND');
    assert.ok(!backend.methods().includes('modifyVolume'));
  });

  it('hands the normalised change to the backend; an empty change only checks the volume', async () => {
    const { backend, svc } = seeded();
    assert.deepEqual(await invoke(svc, 'ControllerModifyVolume', req({ recordsize: '16k', atime: 'OFF' })), {});
    const call = backend.calls.find((c) => c.method === 'modifyVolume');
    assert.deepEqual(call?.args, [ID, { properties: { atime: 'off', recordsize: '16384' } }]);
    assert.deepEqual(await invoke(svc, 'ControllerModifyVolume', req({})), {});
    assert.equal(backend.methods().filter((m) => m === 'modifyVolume').length, 1);
    assert.deepEqual(svc['ControllerModifyVolume']?.lockKeys?.({ volume_id: ID } as never), [`volume:${ID}`]);
  });
});

describe('mutable_parameters in CreateVolume and ValidateVolumeCapabilities', () => {
  it('CreateVolume makes the volume with them, over the StorageClass parameters; a retry compares both', async () => {
    const { backend, svc } = setup();
    const request = createReq({ parameters: { compression: 'lz4' }, mutable_parameters: { compression: 'zstd', thin: 'false' } });
    const res = await invoke<CreateVolumeResponse>(svc, 'CreateVolume', request);
    const made = backend.volumes.get(res.volume?.volume_id ?? '');
    assert.deepEqual(made?.params, { properties: { compression: 'zstd' }, quotaType: 'refquota', thin: false });
    await invoke(svc, 'CreateVolume', request);
    await rejects(invoke(svc, 'CreateVolume', createReq({ parameters: { compression: 'lz4' } })), 'ALREADY_EXISTS');
    await rejects(invoke(svc, 'CreateVolume', createReq({ name: 'pvc-2', mutable_parameters: { snapdir: 'visible' } })), 'INVALID_ARGUMENT', /snapdir/);
  });

  it('ValidateVolumeCapabilities confirms mutable parameters the volume holds, and says why otherwise', async () => {
    const { svc } = seeded();
    const validate = (parameters: Record<string, string>, mutable: Record<string, string>): Promise<ValidateVolumeCapabilitiesResponse> =>
      invoke(svc, 'ValidateVolumeCapabilities', {
        volume_id: ID, volume_context: {}, volume_capabilities: [mountCap()], parameters, secrets: {}, mutable_parameters: mutable,
      });
    const ok = await validate({ compression: 'lz4', xattr: 'sa' }, { compression: 'lz4' });
    assert.deepEqual(ok.confirmed?.mutable_parameters, { compression: 'lz4' });
    const other = await validate({}, { compression: 'zstd' });
    assert.equal(other.confirmed, null);
    assert.match(other.message ?? '', /other values/);
    const bad = await validate({}, { casesensitivity: 'mixed' });
    assert.match(bad.message ?? '', /casesensitivity/);
  });
});

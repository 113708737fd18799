import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../../src/domain/errors.js';
import { GiB, invoke, rejects, setup } from './helpers.js';

const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';

describe('DeleteVolume', () => {
  it('volume_id required → INVALID_ARGUMENT before the backend is touched', async () => {
    const { backend, svc } = setup();
    await rejects(invoke(svc, 'DeleteVolume', { volume_id: '', secrets: {} }), 'INVALID_ARGUMENT', /volume_id/);
    assert.deepEqual(backend.calls, []);
  });

  it('deletes through the backend', async () => {
    const { backend, svc } = setup();
    backend.addVolume({ id: ID, name: 'a', node: 'node-a', parent: 'tank/csi', capacityBytes: GiB });
    assert.deepEqual(await invoke(svc, 'DeleteVolume', { volume_id: ID, secrets: {} }), {});
    assert.deepEqual(backend.calls.filter((c) => c.method === 'deleteVolume').map((c) => c.args[0]), [ID]);
    assert.ok(!backend.volumes.has(ID));
  });

  it('a volume that is gone → OK (retries are harmless)', async () => {
    const { svc } = setup();
    assert.deepEqual(await invoke(svc, 'DeleteVolume', { volume_id: ID, secrets: {} }), {});
    assert.deepEqual(await invoke(svc, 'DeleteVolume', { volume_id: ID, secrets: {} }), {});
  });

  it('a malformed ID is not ours → OK without touching the backend', async () => {
    const { backend, svc } = setup();
    for (const id of ['pvc-123', 'tank/csi', 'vol-aaaaaaaaaaaaaaaaaaaa@snap', 'vol-a,b']) {
      assert.deepEqual(await invoke(svc, 'DeleteVolume', { volume_id: id, secrets: {} }), {});
    }
    assert.deepEqual(backend.calls, []);
  });

  it('backend refusals (e.g. still published) pass through with their code', async () => {
    const { backend, svc } = setup();
    backend.deleteVolume = () => Promise.reject(new DriverError('FAILED_PRECONDITION', 'volume is in use'));
    await rejects(invoke(svc, 'DeleteVolume', { volume_id: ID, secrets: {} }), 'FAILED_PRECONDITION', /in use/);
  });

  it('locks on the volume ID', () => {
    const { svc } = setup();
    assert.deepEqual(svc['DeleteVolume']?.lockKeys?.({ volume_id: ID } as never), [`volume:${ID}`]);
  });
});

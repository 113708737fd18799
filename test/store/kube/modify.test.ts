/**
 * ControllerModifyVolume in Kubernetes mode (docs/kubernetes-mode.md "Modify"), against the fake API server and
 * the scripted agent: the intent travels in spec.mutableParameters, the answer in status.appliedParameters.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { ValidateVolumeCapabilitiesResponse } from '../../../src/grpc/gen/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import { createReq, invoke, rejects, startRig, until, type Rig } from './harness.js';

let rig: Rig;
let n = 0;

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());
beforeEach(() => {
  rig.agent.modify = true;
  rig.agent.modifyFailure = undefined;
});

async function newVolume(parameters: Record<string, string> = {}): Promise<string> {
  const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: `pvc-mod-${++n}`, parameters }));
  return res.volume?.volume_id ?? assert.fail('no volume id');
}

const modify = (id: string, mutable: Record<string, string>, ms?: number): Promise<unknown> =>
  invoke(rig.svc, 'ControllerModifyVolume', { volume_id: id, secrets: {}, mutable_parameters: mutable }, ms);
const stored = (id: string, part: 'spec' | 'status', field: string): unknown =>
  (rig.server.peek('zfsvolumes', id)?.[part] as Record<string, unknown> | undefined)?.[field];
const patches = (): number => rig.server.requests.count({ method: 'PATCH' });

async function holds(id: string, mutable: Record<string, string>): Promise<boolean> {
  const res = await invoke<ValidateVolumeCapabilitiesResponse>(rig.svc, 'ValidateVolumeCapabilities', {
    volume_id: id, volume_context: {}, volume_capabilities: createReq().volume_capabilities, parameters: {}, secrets: {}, mutable_parameters: mutable,
  });
  return res.confirmed !== null;
}

describe('KubeBackend: ControllerModifyVolume', () => {
  it('merges the change into spec.mutableParameters and answers once the agent reports it applied', async () => {
    const id = await newVolume({ compression: 'lz4' });
    assert.deepEqual(await modify(id, { compression: 'zstd', quotaType: 'quota' }), {});
    assert.deepEqual(stored(id, 'spec', 'mutableParameters'), { properties: { compression: 'zstd' }, quotaType: 'quota' });
    assert.deepEqual(stored(id, 'spec', 'properties'), { compression: 'lz4' }, 'the creation parameters stay as they were');
    assert.deepEqual(stored(id, 'status', 'appliedParameters'), { properties: { compression: 'zstd' }, quotaType: 'quota' });
    await modify(id, { atime: 'off' });
    assert.deepEqual(stored(id, 'spec', 'mutableParameters'), { properties: { compression: 'zstd', atime: 'off' }, quotaType: 'quota' });
    assert.equal((await rig.backend.getVolume(id))?.params.quotaType, 'quota');
    assert.ok(await holds(id, { compression: 'zstd', atime: 'off', quotaType: 'quota' }));
    assert.ok(!(await holds(id, { compression: 'lz4' })));
  });

  it('the same modification twice writes nothing the second time', async () => {
    const id = await newVolume();
    await modify(id, { recordsize: '16K' });
    const before = patches();
    await modify(id, { recordsize: '16384' });
    assert.equal(patches(), before);
  });

  it('no answer by the deadline is DEADLINE_EXCEEDED/ABORTED with the intent kept; the retry waits for the answer', async () => {
    const id = await newVolume();
    rig.agent.modify = false;
    await rejects(modify(id, { logbias: 'throughput' }, 200), ['DEADLINE_EXCEEDED', 'ABORTED']);
    assert.deepEqual(stored(id, 'spec', 'mutableParameters'), { properties: { logbias: 'throughput' } });
    assert.ok(!(await holds(id, { logbias: 'throughput' })), 'a pending modification is not the volume\'s yet');
    rig.agent.modify = true;
    setTimeout(() => rig.agent.poke(), 50);
    await modify(id, { logbias: 'throughput' });
    assert.deepEqual(stored(id, 'status', 'appliedParameters'), { properties: { logbias: 'throughput' } });
    assert.ok(await holds(id, { logbias: 'throughput' }));
  });

  it('a terminal refusal reaches the caller with its code, and the intent is withdrawn to what was applied', async () => {
    const id = await newVolume();
    await modify(id, { compression: 'zstd' });
    rig.agent.modifyFailure = { code: 'INVALID_ARGUMENT', message: 'mutable parameter sync is not supported by this ZFS' };
    await rejects(modify(id, { sync: 'always', thin: 'false' }), 'INVALID_ARGUMENT', /sync is not supported/);
    await until('the intent to be withdrawn', () =>
      JSON.stringify(stored(id, 'spec', 'mutableParameters')) === JSON.stringify({ properties: { compression: 'zstd' } }));
    // The scripted agent keeps no record of its own writes: let its cache catch up before it looks again.
    const generation = (rig.server.peek('zfsvolumes', id)?.['metadata'] as { generation?: number } | undefined)?.generation;
    await until('the agent to see the withdrawal', () => rig.agent.volumes.get(id)?.metadata.generation === generation);
    rig.agent.modifyFailure = undefined;
    rig.agent.poke();
    await modify(id, { atime: 'off' });
    assert.deepEqual(stored(id, 'status', 'appliedParameters'), { properties: { compression: 'zstd', atime: 'off' } });
  });

  it('bad keys are INVALID_ARGUMENT before any write; an unknown volume is NOT_FOUND', async () => {
    const id = await newVolume();
    const before = patches();
    await rejects(modify(id, { casesensitivity: 'mixed' }), 'INVALID_ARGUMENT', /casesensitivity/);
    await rejects(modify('vol-aaaaaaaaaaaaaaaaaaaa', { atime: 'off' }), 'NOT_FOUND');
    assert.equal(patches(), before);
  });
});

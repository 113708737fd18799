import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { NODE_LABEL } from '../../../src/store/kube/resources.js';
import { PARENT_PARAM_ANNOTATION } from '../../../src/store/kube/records.js';
import { GiB, createReq, invoke, rejects, startRig, storedVolumes, topo, until, type Rig } from './harness.js';

type Res = CreateVolumeResponse;
let rig: Rig;
let n = 0;
const uniqueName = (): string => `pvc-create-${++n}`;

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());
beforeEach(() => {
  for (const a of rig.agents) a.volumeCreate = 'ready';
});

const byName = (name: string) => storedVolumes(rig.server).filter((o) => (o['spec'] as Record<string, unknown>)['csiName'] === name);

describe('KubeBackend: CreateVolume through the Controller service', () => {
  it('writes the ZfsVolume, waits for Ready and answers with the agent\'s figures', async () => {
    const name = uniqueName();
    const res = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name, parameters: { compression: 'lz4', thin: 'false' } }));
    const id = res.volume?.volume_id ?? '';
    assert.match(id, /^vol-/);
    assert.equal(res.volume?.capacity_bytes, String(GiB));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-a')]);
    const stored = rig.server.peek('zfsvolumes', id);
    assert.ok(stored);
    assert.deepEqual((stored['metadata'] as Record<string, unknown>)['labels'], { [NODE_LABEL]: 'node-a' });
    assert.deepEqual(stored['spec'], {
      csiName: name, volumeId: id, nodeName: 'node-a', parentDataset: 'tank/csi', requestedBytes: String(GiB),
      properties: { compression: 'lz4' }, quotaType: 'refquota', thin: false,
    });
    const record = await rig.backend.getVolume(id);
    assert.equal(record?.dataset, `tank/csi/${id}`);
    assert.equal(record?.mountpoint, `/var/lib/zfs-csi/mounts/${id}`);
  });

  it('a repeated CreateVolume with the same arguments returns the same volume and makes no second resource', async () => {
    const name = uniqueName();
    const first = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name }));
    const second = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name }));
    assert.deepEqual(second, first);
    assert.equal(byName(name).length, 1);
  });

  it('the same name with a different size or parameters is ALREADY_EXISTS', async () => {
    const name = uniqueName();
    await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name }));
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name, capacity_range: { required_bytes: String(2n * GiB), limit_bytes: '0' } })), 'ALREADY_EXISTS');
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name, parameters: { compression: 'lz4' } })), 'ALREADY_EXISTS');
    assert.equal(byName(name).length, 1);
  });

  it('the same name with a requisite topology that excludes the volume\'s node is ALREADY_EXISTS, nothing written', async () => {
    const name = uniqueName();
    const onA = { requisite: [topo('node-a')], preferred: [topo('node-a')] };
    const first = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name, accessibility_requirements: onA }));
    assert.deepEqual(first.volume?.accessible_topology, [topo('node-a')]);
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name, accessibility_requirements: { requisite: [topo('node-b')], preferred: [] } })),
      'ALREADY_EXISTS', /lives on node node-a, which the requisite topology does not allow/);
    // A requisite that still includes node-a (or none at all) is the same volume.
    const both = { requisite: [topo('node-b'), topo('node-a')], preferred: [topo('node-b')] };
    assert.deepEqual(await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name, accessibility_requirements: both })), first);
    assert.deepEqual(await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name })), first);
    assert.equal(byName(name).length, 1);
  });

  it('a StorageClass parentDataset survives the round trip, so a retry is compatible', async () => {
    const name = uniqueName();
    const req = createReq({ name, parameters: { parentDataset: 'pool2/other' }, accessibility_requirements: { requisite: [topo('node-b')], preferred: [] } });
    const first = await invoke<Res>(rig.svc, 'CreateVolume', req);
    const stored = rig.server.peek('zfsvolumes', first.volume?.volume_id ?? '');
    assert.equal((stored?.['metadata'] as { annotations: Record<string, string> }).annotations[PARENT_PARAM_ANNOTATION], 'pool2/other');
    assert.equal((stored?.['spec'] as Record<string, unknown>)['parentDataset'], 'pool2/other');
    assert.deepEqual(await invoke<Res>(rig.svc, 'CreateVolume', req), first);
    // Without the parameter the same name is a different request.
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name, accessibility_requirements: req.accessibility_requirements })), 'ALREADY_EXISTS');
  });

  it('Failed with RESOURCE_EXHAUSTED reaches the caller with that code and the resource is removed', async () => {
    const name = uniqueName();
    rig.agent.volumeCreate = { code: 'RESOURCE_EXHAUSTED', message: 'out of space in tank/csi' };
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name })), 'RESOURCE_EXHAUSTED', /out of space in tank\/csi/);
    await until('the failed resource to be gone', () => byName(name).length === 0);
    // A retry starts clean and succeeds once the node can do it.
    rig.agent.volumeCreate = 'ready';
    const res = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name }));
    assert.match(res.volume?.volume_id ?? '', /^vol-/);
    assert.equal(byName(name).length, 1);
  });

  it('no answer before the deadline is DEADLINE_EXCEEDED/ABORTED, the resource stays, and a later retry gets it', async () => {
    const name = uniqueName();
    rig.agent.volumeCreate = 'silent';
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name }), 200), ['DEADLINE_EXCEEDED', 'ABORTED']);
    assert.equal(byName(name).length, 1, 'the intent stays for the agent');
    // Still pending: the CO's retry waits for the same resource (bounded by its deadline); no second one appears.
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name }), 200), ['DEADLINE_EXCEEDED', 'ABORTED']);
    assert.equal(byName(name).length, 1);
    rig.agent.volumeCreate = 'ready';
    rig.agent.poke();
    const id = String((byName(name)[0]?.['metadata'] as Record<string, unknown>)['name']);
    await until('Ready', () => rig.caches.volumes.get(id)?.status?.phase === 'Ready');
    const res = await invoke<Res>(rig.svc, 'CreateVolume', createReq({ name }));
    assert.equal(res.volume?.volume_id, id);
    assert.equal(byName(name).length, 1);
  });

  it('refuses with RESOURCE_EXHAUSTED, before writing anything, when the chosen node\'s ZfsNode lacks space', async () => {
    const name = uniqueName();
    const before = storedVolumes(rig.server).length;
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({
      name, capacity_range: { required_bytes: String(60n * GiB), limit_bytes: '0' },
      accessibility_requirements: { requisite: [topo('node-b')], preferred: [] },
    })), 'RESOURCE_EXHAUSTED', /node-b/);
    assert.equal(storedVolumes(rig.server).length, before);
  });

  it('places by topology on the node and parent the ZfsNode offers', async () => {
    const res = await invoke<Res>(rig.svc, 'CreateVolume', createReq({
      name: uniqueName(), accessibility_requirements: { requisite: [topo('node-b')], preferred: [topo('node-b')] },
    }));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    const spec = rig.server.peek('zfsvolumes', res.volume?.volume_id ?? '')?.['spec'] as Record<string, unknown>;
    assert.equal(spec['nodeName'], 'node-b');
    assert.equal(spec['parentDataset'], 'pool2/csi');
  });
});

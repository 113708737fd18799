import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VolumeSpec } from '../../../src/domain/types.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { GiB, createReq, invoke, range, rejects, setup, topo } from './helpers.js';

type Res = CreateVolumeResponse;

function createdSpec(calls: readonly { method: string; args: readonly unknown[] }[]): VolumeSpec {
  const call = calls.find((c) => c.method === 'createVolume');
  assert.ok(call, 'createVolume was called');
  return call.args[0] as VolumeSpec;
}

describe('CreateVolume: validation before the backend is touched', () => {
  const bad: [string, object, RegExp][] = [
    ['missing name', createReq({ name: '' }), /name is required/],
    ['name over 128 bytes', createReq({ name: 'x'.repeat(129) }), /128 bytes/],
    ['no capabilities', createReq({ volume_capabilities: [] }), /volume_capabilities is required/],
    ['block capability', createReq({ volume_capabilities: [{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' }, access_type: 'block' }] }), /block/],
    ['multi-node access', createReq({ volume_capabilities: [{ mount: { fs_type: '', mount_flags: [], volume_mount_group: '' }, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } }] }), /MULTI_NODE/],
    ['unknown parameter', createReq({ parameters: { fstype: 'ext4' } }), /"fstype"/],
    ['bad parameter value', createReq({ parameters: { compression: 'fast' } }), /compression/],
    ['limit below required', createReq({ capacity_range: range(2n * GiB, GiB) }), /limit_bytes/],
    ['negative required', createReq({ capacity_range: { required_bytes: '-1', limit_bytes: '0' } }), /negative/],
    ['empty snapshot source', createReq({ volume_content_source: { snapshot: { snapshot_id: '' }, type: 'snapshot' } }), /snapshot_id is required/],
    ['empty volume source', createReq({ volume_content_source: { volume: { volume_id: '' }, type: 'volume' } }), /volume_id is required/],
  ];
  for (const [what, req, message] of bad) {
    it(`${what} → INVALID_ARGUMENT`, async () => {
      const { backend, svc } = setup();
      await rejects(invoke(svc, 'CreateVolume', req), 'INVALID_ARGUMENT', message);
      assert.deepEqual(backend.calls, []);
    });
  }
});

describe('CreateVolume: new volumes', () => {
  it('defaults to 1 GiB on the first known node and its first parent', async () => {
    const { backend, svc } = setup();
    const res = await invoke<Res>(svc, 'CreateVolume', createReq());
    const v = res.volume;
    assert.ok(v);
    assert.match(v.volume_id ?? '', /^vol-[a-z2-7]{20}$/);
    assert.equal(v.capacity_bytes, String(GiB));
    assert.deepEqual(v.volume_context, {});
    assert.equal(v.content_source, null);
    assert.deepEqual(v.accessible_topology, [topo('node-a')]);
    const spec = createdSpec(backend.calls);
    assert.deepEqual(spec, {
      id: v.volume_id,
      name: 'pvc-1',
      node: 'node-a',
      parent: 'tank/csi',
      capacityBytes: GiB,
      params: { properties: {}, quotaType: 'refquota', thin: true },
    });
  });

  it('honours defaultCapacityBytes, required bytes exactly, and normalised parameters', async () => {
    const small = setup(5n << 20n);
    const a = await invoke<Res>(small.svc, 'CreateVolume', createReq());
    assert.equal(a.volume?.capacity_bytes, String(5n << 20n));
    const { backend, svc } = setup();
    const b = await invoke<Res>(svc, 'CreateVolume', createReq({
      capacity_range: range(3n * GiB + 7n),
      parameters: { recordsize: '128K', compression: 'LZ4', 'csi.storage.k8s.io/pvc/name': 'data' },
    }));
    assert.equal(b.volume?.capacity_bytes, String(3n * GiB + 7n));
    assert.deepEqual(createdSpec(backend.calls).params.properties, { compression: 'lz4', recordsize: '131072' });
  });

  it('follows the preferred topology and uses that node\'s parent', async () => {
    const { backend, svc } = setup();
    const res = await invoke<Res>(svc, 'CreateVolume', createReq({
      accessibility_requirements: { requisite: [topo('node-a'), topo('node-b')], preferred: [topo('node-b')] },
    }));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    const spec = createdSpec(backend.calls);
    assert.equal(spec.node, 'node-b');
    assert.equal(spec.parent, 'pool2/csi');
  });

  it('a requisite topology naming no known node → RESOURCE_EXHAUSTED, nothing created', async () => {
    const { backend, svc } = setup();
    await rejects(invoke(svc, 'CreateVolume', createReq({
      accessibility_requirements: { requisite: [topo('node-z')], preferred: [] },
    })), 'RESOURCE_EXHAUSTED', /requisite/);
    assert.ok(!backend.methods().includes('createVolume'));
  });

  it('not enough space on the chosen node → RESOURCE_EXHAUSTED, nothing created', async () => {
    const { backend, svc } = setup();
    await rejects(invoke(svc, 'CreateVolume', createReq({ capacity_range: range(101n * GiB) })),
      'RESOURCE_EXHAUSTED', /available/);
    assert.ok(!backend.methods().includes('createVolume'));
    // Exactly the available space fits.
    await invoke<Res>(svc, 'CreateVolume', createReq({ capacity_range: range(100n * GiB) }));
    assert.ok(backend.methods().includes('createVolume'));
  });

  it('parentDataset must be one of the node\'s parents; a dataset below one or elsewhere → RESOURCE_EXHAUSTED', async () => {
    const { backend, svc } = setup();
    await invoke<Res>(svc, 'CreateVolume', createReq({ parameters: { parentDataset: 'tank/csi' } }));
    assert.equal(createdSpec(backend.calls).parent, 'tank/csi');
    await rejects(invoke(svc, 'CreateVolume', createReq({ name: 'below', parameters: { parentDataset: 'tank/csi/team-a' } })),
      'RESOURCE_EXHAUSTED', /tank\/csi\/team-a/);
    await rejects(invoke(svc, 'CreateVolume', createReq({ name: 'other', parameters: { parentDataset: 'tank/elsewhere' } })),
      'RESOURCE_EXHAUSTED', /tank\/elsewhere/);
  });

  it('a re-creation after deletion gets a new ID', async () => {
    const { svc } = setup();
    const first = await invoke<Res>(svc, 'CreateVolume', createReq());
    await invoke(svc, 'DeleteVolume', { volume_id: first.volume?.volume_id, secrets: {} });
    const second = await invoke<Res>(svc, 'CreateVolume', createReq());
    assert.notEqual(second.volume?.volume_id, first.volume?.volume_id);
  });

  it('locks on the volume name', () => {
    const { svc } = setup();
    const lock = svc['CreateVolume']?.lockKeys;
    assert.ok(lock);
    assert.deepEqual(lock(createReq({ name: 'db' }) as never), ['volume-name:db']);
  });
});

describe('CreateVolume: idempotency', () => {
  it('the same request twice → the same volume, created once', async () => {
    const { backend, svc } = setup();
    const req = createReq({ capacity_range: range(2n * GiB), parameters: { compression: 'lz4' } });
    const a = await invoke<Res>(svc, 'CreateVolume', req);
    const b = await invoke<Res>(svc, 'CreateVolume', { ...req, parameters: { compression: 'LZ4' } });
    assert.deepEqual(b, a);
    // The retry hands the existing spec back to the backend (which waits for it in Kubernetes mode): one volume.
    assert.equal((await backend.listVolumes()).length, 1);
  });

  it('an existing volume whose size fits the range is returned as is', async () => {
    const { backend, svc } = setup();
    backend.addVolume({ id: 'vol-aaaaaaaaaaaaaaaaaaaa', name: 'pvc-1', node: 'node-b', parent: 'pool2/csi', capacityBytes: 2n * GiB });
    const res = await invoke<Res>(svc, 'CreateVolume', createReq({ capacity_range: range(GiB, 4n * GiB) }));
    assert.equal(res.volume?.volume_id, 'vol-aaaaaaaaaaaaaaaaaaaa');
    assert.equal(res.volume?.capacity_bytes, String(2n * GiB));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    assert.deepEqual((await backend.listVolumes()).map((v) => v.id), ['vol-aaaaaaaaaaaaaaaaaaaa']);
  });

  const conflicts: [string, object, RegExp][] = [
    ['a larger size', createReq({ capacity_range: range(3n * GiB) }), /capacity/],
    ['a limit below its size', createReq({ capacity_range: range(0n, GiB) }), /capacity/],
    ['other parameters', createReq({ parameters: { compression: 'lz4' } }), /parameters/],
    ['a content source', createReq({ volume_content_source: { snapshot: { snapshot_id: 'snap-aaaaaaaaaaaaaaaaaaaa' } } }), /content source/],
  ];
  for (const [what, req, message] of conflicts) {
    it(`same name with ${what} → ALREADY_EXISTS`, async () => {
      const { backend, svc } = setup();
      backend.addVolume({ id: 'vol-aaaaaaaaaaaaaaaaaaaa', name: 'pvc-1', node: 'node-a', parent: 'tank/csi', capacityBytes: 2n * GiB });
      await rejects(invoke(svc, 'CreateVolume', req), 'ALREADY_EXISTS', message);
      assert.ok(!backend.methods().includes('createVolume'));
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerGetCapabilitiesResponse } from '../../../src/grpc/gen/csi/v1/ControllerGetCapabilitiesResponse.js';
import type { GetCapacityResponse } from '../../../src/grpc/gen/csi/v1/GetCapacityResponse.js';
import { GiB, invoke, mountCap, rejects, setup, topo } from './helpers.js';

type Res = GetCapacityResponse;
const req = (over: object = {}): object => ({ volume_capabilities: [], parameters: {}, accessible_topology: null, ...over });

describe('GetCapacity', () => {
  it('with a node in the topology: that node\'s first parent', async () => {
    const { backend, svc } = setup();
    const res = await invoke<Res>(svc, 'GetCapacity', req({ accessible_topology: topo('node-b'), volume_capabilities: [mountCap()] }));
    assert.deepEqual(res, {
      available_capacity: String(50n * GiB),
      maximum_volume_size: { value: String(50n * GiB) },
      minimum_volume_size: null,
    });
    assert.deepEqual(backend.calls.find((c) => c.method === 'capacity')?.args, ['node-b']);
  });

  it('without topology: summed over nodes, the largest single node as maximum_volume_size', async () => {
    const { svc } = setup();
    const res = await invoke<Res>(svc, 'GetCapacity', req());
    assert.equal(res.available_capacity, String(150n * GiB));
    assert.deepEqual(res.maximum_volume_size, { value: String(100n * GiB) });
  });

  it('parentDataset selects that configured parent; several parents per node count once', async () => {
    const { backend, svc } = setup();
    backend.reports.push({ node: 'node-a', parent: 'fast/csi', availableBytes: 7n * GiB, retiredBytes: 0n });
    const fast = await invoke<Res>(svc, 'GetCapacity', req({ parameters: { parentDataset: 'fast/csi' } }));
    assert.equal(fast.available_capacity, String(7n * GiB));
    const byDefault = await invoke<Res>(svc, 'GetCapacity', req({ accessible_topology: topo('node-a') }));
    assert.equal(byDefault.available_capacity, String(100n * GiB));
  });

  it('an unknown node has no capacity', async () => {
    const { svc } = setup();
    const res = await invoke<Res>(svc, 'GetCapacity', req({ accessible_topology: topo('node-z') }));
    assert.equal(res.available_capacity, '0');
  });

  it('unsupported capabilities → 0 without asking the backend', async () => {
    const { backend, svc } = setup();
    const res = await invoke<Res>(svc, 'GetCapacity', req({ volume_capabilities: [mountCap('MULTI_NODE_MULTI_WRITER')] }));
    assert.equal(res.available_capacity, '0');
    assert.deepEqual(backend.calls, []);
  });

  it('invalid parameters → INVALID_ARGUMENT', async () => {
    const { backend, svc } = setup();
    await rejects(invoke(svc, 'GetCapacity', req({ parameters: { bogus: '1' } })), 'INVALID_ARGUMENT', /bogus/);
    assert.deepEqual(backend.calls, []);
  });
});

describe('ControllerGetCapabilities', () => {
  it('advertises what the controller does and not PUBLISH_UNPUBLISH_VOLUME', async () => {
    const { svc } = setup();
    const res = await invoke<ControllerGetCapabilitiesResponse>(svc, 'ControllerGetCapabilities', {});
    const types = (res.capabilities ?? []).map((c) => c.rpc?.type);
    assert.deepEqual(new Set(types), new Set([
      'CREATE_DELETE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_VOLUMES', 'LIST_SNAPSHOTS', 'GET_CAPACITY',
      'CLONE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME', 'VOLUME_CONDITION', 'GET_SNAPSHOT', 'SINGLE_NODE_MULTI_WRITER',
      'MODIFY_VOLUME',
    ]));
    assert.ok(!types.includes('PUBLISH_UNPUBLISH_VOLUME'));
  });
});

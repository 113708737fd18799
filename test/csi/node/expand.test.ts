import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeService } from '../../../src/csi/node/index.js';
import type { NodeExpandVolumeRequest__Output } from '../../../src/grpc/gen/csi/v1/NodeExpandVolumeRequest.js';
import { codeOf, fakeContext, fakeNode, VOL } from './fakes.js';

const TARGET = '/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount';

function req(over: Partial<NodeExpandVolumeRequest__Output> = {}): NodeExpandVolumeRequest__Output {
  return {
    volume_id: 'vol-1',
    volume_path: TARGET,
    capacity_range: null,
    staging_target_path: '',
    volume_capability: null,
    secrets: {},
    ...over,
  };
}

function setup() {
  const node = fakeNode();
  node.targets.binds.set(TARGET, { source: VOL.mountpoint, readOnly: false });
  const svc = nodeService({ nodeId: 'node-a', volumes: node.lookup, targets: node.targets });
  const expand = (r: NodeExpandVolumeRequest__Output) => svc.NodeExpandVolume.handle(r, fakeContext());
  return { ...node, expand };
}

test('expand reports the volume\'s real capacity, never a requested size the quota does not have', async () => {
  const { expand } = setup();
  const range = { required_bytes: '4294967296', limit_bytes: '0' };
  assert.deepEqual(await expand(req({ capacity_range: range })), { capacity_bytes: String(1n << 30n) });
  assert.deepEqual(await expand(req()), { capacity_bytes: String(1n << 30n) });
});

test('expand: missing volume_id or volume_path is INVALID_ARGUMENT and touches nothing', async () => {
  for (const over of [{ volume_id: '' }, { volume_path: '' }]) {
    const { lookup, targets, expand } = setup();
    assert.equal(await codeOf(expand(req(over))), 'INVALID_ARGUMENT');
    assert.deepEqual(lookup.calls, []);
    assert.deepEqual(targets.calls, []);
  }
});

test('expand: a block capability or a bad range is INVALID_ARGUMENT before any lookup', async () => {
  const bad: Partial<NodeExpandVolumeRequest__Output>[] = [
    { volume_capability: { block: {}, access_type: 'block', access_mode: { mode: 'SINGLE_NODE_WRITER' } } },
    { capacity_range: { required_bytes: '10', limit_bytes: '5' } },
    { capacity_range: { required_bytes: 'ten', limit_bytes: '0' } },
  ];
  for (const over of bad) {
    const { lookup, expand } = setup();
    assert.equal(await codeOf(expand(req(over))), 'INVALID_ARGUMENT', JSON.stringify(over));
    assert.deepEqual(lookup.calls, []);
  }
});

test('expand: unknown volume, or a path where it is not mounted, is NOT_FOUND', async () => {
  const { expand } = setup();
  assert.equal(await codeOf(expand(req({ volume_id: 'vol-404' }))), 'NOT_FOUND');
  assert.equal(await codeOf(expand(req({ volume_path: '/pods/elsewhere/mount' }))), 'NOT_FOUND');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeService } from '../../../src/csi/node/index.js';
import { TOPOLOGY_NODE_KEY } from '../../../src/domain/types.js';
import { DriverError } from '../../../src/domain/errors.js';
import { fakeContext, fakeNode } from './fakes.js';

function service(nodeId: string, maxVolumesPerNode?: number) {
  const { lookup, targets } = fakeNode();
  return nodeService({
    nodeId,
    volumes: lookup,
    targets,
    ...(maxVolumesPerNode === undefined ? {} : { maxVolumesPerNode }),
  });
}

test('NodeGetInfo: node id, unlimited volumes by default, topology segment naming the node', async () => {
  const res = await service('node-a').NodeGetInfo.handle({}, fakeContext());
  assert.deepEqual(res, {
    node_id: 'node-a',
    max_volumes_per_node: '0',
    accessible_topology: { segments: { 'zfs.csi.dev/node': 'node-a' } },
  });
  assert.equal(TOPOLOGY_NODE_KEY, 'zfs.csi.dev/node');
});

test('NodeGetInfo: a configured volume limit is reported as an int64 string', async () => {
  const res = await service('node-b', 250).NodeGetInfo.handle({}, fakeContext());
  assert.equal(res.max_volumes_per_node, '250');
});

test('nodeService refuses a bad configuration at start-up', () => {
  assert.throws(() => service(''), DriverError);
  assert.throws(() => service('n'.repeat(257)), DriverError);
  assert.throws(() => service('node-a', -1), DriverError);
  assert.throws(() => service('node-a', 1.5), DriverError);
  assert.doesNotThrow(() => service('n'.repeat(256)));
});

test('NodeGetCapabilities: stats, expansion, condition, single-node multi-writer; no stage/unstage', async () => {
  const res = await service('node-a').NodeGetCapabilities.handle({}, fakeContext());
  const types = (res.capabilities ?? []).map((c) => c.rpc?.type);
  assert.deepEqual(types, ['GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER']);
});

test('the service has no NodeStageVolume/NodeUnstageVolume (the adapter answers UNIMPLEMENTED)', () => {
  const svc: Record<string, unknown> = service('node-a');
  assert.equal('NodeStageVolume' in svc, false);
  assert.equal('NodeUnstageVolume' in svc, false);
  assert.deepEqual(Object.keys(svc).sort(), [
    'NodeExpandVolume',
    'NodeGetCapabilities',
    'NodeGetInfo',
    'NodeGetVolumeStats',
    'NodePublishVolume',
    'NodeUnpublishVolume',
  ]);
});

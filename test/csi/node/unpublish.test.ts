import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeService } from '../../../src/csi/node/index.js';
import { codeOf, fakeContext, fakeNode, VOL } from './fakes.js';

const TARGET = '/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount';

function setup() {
  const node = fakeNode();
  const svc = nodeService({ nodeId: 'node-a', volumes: node.lookup, targets: node.targets });
  const unpublish = (volume_id: string, target_path: string) =>
    svc.NodeUnpublishVolume.handle({ volume_id, target_path }, fakeContext());
  return { ...node, unpublish };
}

test('unpublish removes the bind at the target', async () => {
  const { targets, unpublish } = setup();
  targets.binds.set(TARGET, { source: VOL.mountpoint, readOnly: false });
  assert.deepEqual(await unpublish('vol-1', TARGET), {});
  assert.equal(targets.binds.has(TARGET), false);
  assert.ok(targets.calls.includes(`unpublish ${TARGET}`));
});

test('unpublish is idempotent: a second call, and a call for an unknown volume id, are OK', async () => {
  const { targets, unpublish } = setup();
  targets.binds.set(TARGET, { source: VOL.mountpoint, readOnly: false });
  await unpublish('vol-1', TARGET);
  await unpublish('vol-1', TARGET);
  await unpublish('vol-gone', '/var/lib/kubelet/pods/p9/volumes/kubernetes.io~csi/pvc-9/mount');
  assert.equal(targets.calls.filter((c) => c.startsWith('unpublish')).length, 3);
});

test('unpublish: missing volume_id or target_path is INVALID_ARGUMENT and touches nothing', async () => {
  for (const [id, path] of [['', TARGET], ['vol-1', '']]) {
    const { lookup, targets, unpublish } = setup();
    assert.equal(await codeOf(unpublish(id ?? '', path ?? '')), 'INVALID_ARGUMENT');
    assert.deepEqual(lookup.calls, []);
    assert.deepEqual(targets.calls, []);
  }
});

test('unpublish: a `..` target is INVALID_ARGUMENT and nothing is unmounted', async () => {
  const { targets, unpublish } = setup();
  assert.equal(await codeOf(unpublish('vol-1', '/var/lib/kubelet/../../')), 'INVALID_ARGUMENT');
  assert.equal(targets.calls.some((c) => c.startsWith('unpublish')), false);
});

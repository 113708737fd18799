import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeService } from '../../../src/csi/node/index.js';
import type { NodePublishVolumeRequest__Output } from '../../../src/grpc/gen/csi/v1/NodePublishVolumeRequest.js';
import type {
  _csi_v1_VolumeCapability_AccessMode_Mode__Output,
  VolumeCapability__Output,
} from '../../../src/grpc/gen/csi/v1/VolumeCapability.js';
import { codeOf, fakeContext, fakeNode, VOL } from './fakes.js';

const TARGET = '/var/lib/kubelet/pods/0b5e6a1c-3f0e-4a57-9d55-6a4e1d1f7a10/volumes/kubernetes.io~csi/pvc-6f1c2b7e-8a43-4b8e-9d51-2c0d3e4f5a6b/mount';

type Mode = _csi_v1_VolumeCapability_AccessMode_Mode__Output;

function cap(mode: Mode, mountFlags: string[] = []): VolumeCapability__Output {
  return {
    mount: { fs_type: '', mount_flags: mountFlags, volume_mount_group: '' },
    access_type: 'mount',
    access_mode: { mode },
  };
}

function req(over: Partial<NodePublishVolumeRequest__Output> = {}): NodePublishVolumeRequest__Output {
  return {
    volume_id: 'vol-1',
    publish_context: {},
    staging_target_path: '',
    target_path: TARGET,
    volume_capability: cap('SINGLE_NODE_WRITER'),
    readonly: false,
    secrets: {},
    volume_context: {},
    ...over,
  };
}

function setup() {
  const node = fakeNode();
  const svc = nodeService({ nodeId: 'node-a', volumes: node.lookup, targets: node.targets });
  const publish = (r: NodePublishVolumeRequest__Output) => svc.NodePublishVolume.handle(r, fakeContext());
  return { ...node, svc, publish };
}

test('publish bind-mounts the dataset mountpoint read-write onto a long kubelet target path', async () => {
  const { targets, publish } = setup();
  assert.ok(Buffer.byteLength(TARGET) > 128, 'the target path is longer than a CSI name may be');
  assert.deepEqual(await publish(req()), {});
  assert.deepEqual(targets.binds.get(TARGET), { source: VOL.mountpoint, readOnly: false });
});

test('publish: each missing required field is INVALID_ARGUMENT and touches nothing', async () => {
  for (const over of [{ volume_id: '' }, { target_path: '' }, { volume_capability: null }]) {
    const { lookup, targets, publish } = setup();
    assert.equal(await codeOf(publish(req(over))), 'INVALID_ARGUMENT', JSON.stringify(over));
    assert.deepEqual(lookup.calls, []);
    assert.deepEqual(targets.calls, []);
  }
});

test('publish: block access, multi-node modes and a missing access mode are INVALID_ARGUMENT, untouched', async () => {
  const block: VolumeCapability__Output = {
    block: {},
    access_type: 'block',
    access_mode: { mode: 'SINGLE_NODE_WRITER' },
  };
  const caps = [block, cap('MULTI_NODE_MULTI_WRITER'), cap('UNKNOWN')];
  for (const c of caps) {
    const { lookup, targets, publish } = setup();
    assert.equal(await codeOf(publish(req({ volume_capability: c }))), 'INVALID_ARGUMENT');
    assert.deepEqual(lookup.calls, []);
    assert.deepEqual(targets.calls, []);
  }
});

test('publish: a relative or `..` target is INVALID_ARGUMENT before any lookup', async () => {
  for (const target_path of ['relative/mount', '/var/lib/kubelet/../../etc']) {
    const { lookup, targets, publish } = setup();
    assert.equal(await codeOf(publish(req({ target_path }))), 'INVALID_ARGUMENT');
    assert.deepEqual(lookup.calls, []);
    assert.equal(targets.binds.size, 0);
  }
});

test('publish: unknown volume is NOT_FOUND and nothing is mounted', async () => {
  const { targets, publish } = setup();
  assert.equal(await codeOf(publish(req({ volume_id: 'vol-404' }))), 'NOT_FOUND');
  assert.equal(targets.calls.filter((c) => c.startsWith('publish')).length, 0);
});

test('publish: read-only when `readonly` is set or the mode is SINGLE_NODE_READER_ONLY', async () => {
  const cases: [boolean, Mode, boolean][] = [
    [false, 'SINGLE_NODE_WRITER', false],
    [true, 'SINGLE_NODE_WRITER', true],
    [false, 'SINGLE_NODE_READER_ONLY', true],
    [true, 'SINGLE_NODE_READER_ONLY', true],
    [false, 'SINGLE_NODE_MULTI_WRITER', false],
  ];
  for (const [readonly, mode, expected] of cases) {
    const { targets, publish } = setup();
    await publish(req({ readonly, volume_capability: cap(mode) }));
    assert.equal(targets.binds.get(TARGET)?.readOnly, expected, `${mode} readonly=${readonly}`);
  }
});

test('publish is idempotent; a different read-only-ness at the same target is ALREADY_EXISTS', async () => {
  const { targets, publish } = setup();
  await publish(req());
  await publish(req());
  assert.equal(targets.binds.size, 1);
  assert.equal(await codeOf(publish(req({ readonly: true }))), 'ALREADY_EXISTS');
});

test('publish normalises the target before binding (trailing slash is the same target)', async () => {
  const { targets, publish } = setup();
  await publish(req({ target_path: `${TARGET}/` }));
  await publish(req());
  assert.deepEqual([...targets.binds.keys()], [TARGET]);
});

test('SINGLE_NODE_SINGLE_WRITER: a second target is FAILED_PRECONDITION; the same target stays idempotent', async () => {
  const { targets, publish } = setup();
  const single = cap('SINGLE_NODE_SINGLE_WRITER');
  await publish(req({ volume_capability: single }));
  await publish(req({ volume_capability: single }));
  const other = '/var/lib/kubelet/pods/other/volumes/kubernetes.io~csi/pvc/mount';
  assert.equal(await codeOf(publish(req({ target_path: other, volume_capability: single }))), 'FAILED_PRECONDITION');
  assert.equal(targets.binds.has(other), false);
  // Also refused when the first publish used another mode: the volume is already in use elsewhere.
  const { publish: publish2, targets: targets2 } = setup();
  await publish2(req({ volume_capability: cap('SINGLE_NODE_WRITER') }));
  assert.equal(await codeOf(publish2(req({ target_path: other, volume_capability: single }))), 'FAILED_PRECONDITION');
  assert.equal(targets2.binds.size, 1);
});

test('SINGLE_NODE_WRITER and SINGLE_NODE_MULTI_WRITER allow several targets on the node', async () => {
  for (const mode of ['SINGLE_NODE_WRITER', 'SINGLE_NODE_MULTI_WRITER'] as const) {
    const { targets, publish } = setup();
    await publish(req({ volume_capability: cap(mode) }));
    await publish(req({ target_path: '/pods/b/mount', volume_capability: cap(mode) }));
    assert.equal(targets.binds.size, 2, mode);
  }
});

test('staging_target_path is checked but not used, and mount_flags do not change the bind', async () => {
  const { targets, publish } = setup();
  await publish(req({ staging_target_path: '/staging/x', volume_capability: cap('SINGLE_NODE_WRITER', ['noatime']) }));
  assert.deepEqual(targets.binds.get(TARGET), { source: VOL.mountpoint, readOnly: false });
  assert.deepEqual(targets.calls.filter((c) => c.includes('/staging')), ['checkPath /staging/x']);
});

test('publish and unpublish lock on node-volume:<volume_id>; no key without a volume id', () => {
  const { svc } = setup();
  assert.deepEqual(svc.NodePublishVolume.lockKeys?.(req()), ['node-volume:vol-1']);
  assert.deepEqual(svc.NodeUnpublishVolume.lockKeys?.({ volume_id: 'vol-1', target_path: TARGET }), ['node-volume:vol-1']);
  assert.deepEqual(svc.NodePublishVolume.lockKeys?.(req({ volume_id: '' })), []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeSpec } from '../../src/domain/types.js';
import { snapshotProps, volumeProps } from '../../src/provision/build.js';
import { decodePool, decodeSnapshot, decodeVolume } from '../../src/provision/decode.js';
import type { DatasetInfo } from '../../src/zfs/zfs.js';

// The standalone store is rebuilt from what create/snapshot wrote: what goes in must come back out.
const info = (name: string, props: Record<string, string>): DatasetInfo => ({ name, props: new Map(Object.entries(props)) });

const SPEC: VolumeSpec = {
  id: 'vol-aaaaaaaaaaaaaaaaaaaa',
  name: 'pvc with\ttab, comma and ünïcode/@%',
  node: 'node-1',
  parent: 'tank/csi',
  capacityBytes: 5n * 2n ** 40n,
  source: { kind: 'snapshot', snapshotId: 'snap-bbbbbbbbbbbbbbbbbbbb' },
  params: { properties: { compression: 'gzip', atime: 'off' }, quotaType: 'quota', thin: false },
};

test('a volume record survives the round trip through its user properties', () => {
  const props = volumeProps(SPEC, '/m/vol-aaaaaaaaaaaaaaaaaaaa');
  // Names from the CO are percent-encoded: no tab or newline may reach the tab-separated `zfs get -H`.
  assert.ok(Object.values(props).every((v) => !/[\t\n]/.test(v)));
  assert.equal(props['quota'], String(SPEC.capacityBytes));
  assert.equal(props['reservation'], String(SPEC.capacityBytes), 'thick + quota reserves with reservation');
  const record = decodeVolume(info(`tank/csi/${SPEC.id}`, { ...props, used: '4096' }));
  assert.deepEqual(record, {
    ...SPEC, dataset: `tank/csi/${SPEC.id}`, mountpoint: '/m/vol-aaaaaaaaaaaaaaaaaaaa', retired: false, usedBytes: 4096n,
  });
});

test('a snapshot record keeps its creation time to the millisecond', () => {
  const source = decodeVolume(info(`tank/csi/${SPEC.id}`, volumeProps(SPEC, '/m/x')))!;
  const created = new Date('2026-11-27T10:11:12.345Z');
  const props = snapshotProps({ id: 'snap-cccccccccccccccccccc', name: 's1', sourceVolumeId: SPEC.id, node: 'node-1' }, source, created);
  const record = decodeSnapshot(info(`tank/csi/${SPEC.id}@snap-cccccccccccccccccccc`, { ...props, creation: '1795817196' }));
  assert.equal(record?.creationTime.toISOString(), created.toISOString());
  assert.equal(record?.sizeBytes, SPEC.capacityBytes);
});

test('decodePool: retired, helper, deferred and foreign objects land in their places', () => {
  const { source: _dropped, ...plain } = SPEC;
  const vol = volumeProps(plain, '/m/a');
  const infos = [
    info('tank/csi', { type: 'filesystem' }),
    info(`tank/csi/${SPEC.id}`, { ...vol, type: 'filesystem', 'zfs.csi.dev:retired': 'x' }),
    info(`tank/csi/${SPEC.id}@clone-vol-dddddddddddddddddddd`, {
      type: 'snapshot', 'zfs.csi.dev:managed': 'true', 'zfs.csi.dev:kind': 'clone-helper',
      'zfs.csi.dev:helper-for': 'vol-dddddddddddddddddddd', defer_destroy: 'on',
    }),
    info('tank/csi/handmade', { type: 'filesystem' }),
    // A record whose id does not match its name is damaged: reported as foreign, never trusted.
    info('tank/csi/vol-eeeeeeeeeeeeeeeeeeee', { ...vol, type: 'filesystem' }),
  ];
  const view = decodePool('tank/csi', infos);
  assert.deepEqual(view.volumes.map((v) => [v.id, v.retired]), [[SPEC.id, true]]);
  assert.deepEqual([...view.helpers.values()], ['vol-dddddddddddddddddddd']);
  assert.deepEqual([...view.deferred], [`tank/csi/${SPEC.id}@clone-vol-dddddddddddddddddddd`]);
  assert.deepEqual(view.snapshotsOf.get(`tank/csi/${SPEC.id}`)?.length, 1);
  assert.deepEqual(view.foreign, ['tank/csi/handmade', 'tank/csi/vol-eeeeeeeeeeeeeeeeeeee']);
});

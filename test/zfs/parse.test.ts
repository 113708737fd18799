import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseGetOutput,
  parseOpenZfsVersion,
  parsePoolHealth,
  parsePoolVersion,
  parsePropertyTable,
} from '../../src/zfs/parse.js';
import { ZfsError } from '../../src/zfs/errors.js';
import { GET_DEPTH_1, GET_RECURSIVE, ZFS_GET_USAGE, ZPOOL_LIST, ZPOOL_UPGRADE_V } from './fixtures.js';

const asObject = (props: ReadonlyMap<string, string>): Record<string, string> => Object.fromEntries(props);

test('zfs get -r: one entry per name in first-seen order, placeholders dropped', () => {
  const infos = parseGetOutput(GET_RECURSIVE);
  assert.deepEqual(
    infos.map((i) => i.name),
    ['zfscsi/t-fixture', 'zfscsi/t-fixture/vol1', 'zfscsi/t-fixture/vol1@snap1', 'zfscsi/t-fixture/vol2'],
  );
  const [parent, vol1, snap, vol2] = infos;
  // Unset user properties (source "-") and native "-" values are absent; "0" with source default is a value.
  assert.deepEqual(asObject(parent!.props), {
    type: 'filesystem', used: '229376', available: '8388808704', refquota: '0', mountpoint: 'none',
  });
  assert.deepEqual(asObject(vol1!.props), {
    type: 'filesystem', used: '114688', available: '1073627136', refquota: '1073741824', mountpoint: 'none',
    'zfs.csi.dev:managed': 'true', 'zfs.csi.dev:csi-name': 'pvc-1',
  });
  // A snapshot has no available/refquota/mountpoint. It inherits its dataset's user properties, but inherited
  // records are dropped: only what was set on the object itself identifies it as the driver's.
  assert.deepEqual(asObject(snap!.props), { type: 'snapshot', used: '0', 'zfs.csi.dev:managed': 'true' });
  // A clone has an origin; a user property set to "-" locally is a real value.
  assert.equal(vol2!.props.get('origin'), 'zfscsi/t-fixture/vol1@snap1');
  assert.equal(vol2!.props.get('zfs.csi.dev:empty'), '-');
  assert.equal(vol2!.props.has('zfs.csi.dev:csi-name'), false);
});

test('zfs get -d 1: datasets with no value left still appear', () => {
  const infos = parseGetOutput(GET_DEPTH_1);
  assert.equal(infos.length, 3);
  assert.deepEqual(asObject(infos[0]!.props), { type: 'filesystem' });
  assert.equal(infos[1]!.props.get('zfs.csi.dev:managed'), 'true');
});

test('zfs get: values may contain tabs; malformed lines are errors; empty output is empty', () => {
  const [info] = parseGetOutput('p/d\tzfs.csi.dev:v\ta\tb\tlocal\n');
  assert.equal(info!.props.get('zfs.csi.dev:v'), 'a\tb');
  assert.deepEqual(parseGetOutput(''), []);
  assert.throws(() => parseGetOutput('p/d\tused\t1\n'), (err: unknown) => err instanceof ZfsError && err.kind === 'unknown');
});

test('zpool list: health of the named pool', () => {
  assert.equal(parsePoolHealth(ZPOOL_LIST, 'zfscsi'), 'ONLINE');
  assert.equal(parsePoolHealth(ZPOOL_LIST, 'other'), undefined);
  assert.equal(parsePoolHealth('tank\tDEGRADED\n', 'tank'), 'DEGRADED');
  assert.throws(() => parsePoolHealth('tank ONLINE\n', 'tank'), ZfsError);
});

test('versions: OpenZFS `zfs version`, zfs-fuse pool version', () => {
  assert.equal(parseOpenZfsVersion('zfs-2.1.5-1ubuntu6~22.04.1\nzfs-kmod-2.1.5-1ubuntu6~22.04.1\n'), '2.1.5-1ubuntu6~22.04.1');
  assert.equal(parseOpenZfsVersion('something else'), undefined);
  assert.equal(parsePoolVersion(ZPOOL_UPGRADE_V), '23');
});

test('property table from the zfs get usage text (zfs-fuse)', () => {
  const props = parsePropertyTable(ZFS_GET_USAGE);
  for (const p of ['available', 'used', 'usedbyrefreservation', 'refquota', 'mountpoint', 'canmount', 'defer_destroy', 'origin', 'zoned']) {
    assert.ok(props.has(p), p);
  }
  assert.equal(props.has('sync'), false);
  assert.equal([...props].some((p) => p.includes('@') || p === 'property'), false);
  assert.equal(props.size, 49);
});

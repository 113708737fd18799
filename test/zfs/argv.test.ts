import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cloneArgs,
  createArgs,
  destroyArgs,
  getArgs,
  mountArgs,
  poolListArgs,
  setArgs,
  snapshotArgs,
  unmountArgs,
} from '../../src/zfs/argv.js';
import { ZfsError } from '../../src/zfs/errors.js';

const invalid = (err: unknown): boolean => err instanceof ZfsError && err.kind === 'invalid';

test('create puts every property as a sorted -o before the dataset', () => {
  assert.deepEqual(
    createArgs('tank/csi/v1', { 'zfs.csi.dev:managed': 'true', refquota: '1073741824', mountpoint: '/m/v1' }),
    ['create', '-o', 'mountpoint=/m/v1', '-o', 'refquota=1073741824', '-o', 'zfs.csi.dev:managed=true', 'tank/csi/v1'],
  );
  assert.deepEqual(createArgs('tank/a', {}), ['create', 'tank/a']);
});

test('clone and snapshot take -o options too', () => {
  assert.deepEqual(cloneArgs('tank/a@s', 'tank/b', { refquota: '10', atime: 'off' }), [
    'clone', '-o', 'atime=off', '-o', 'refquota=10', 'tank/a@s', 'tank/b',
  ]);
  assert.deepEqual(snapshotArgs('tank/a@s', { 'zfs.csi.dev:snapshot-id': 's1' }), [
    'snapshot', '-o', 'zfs.csi.dev:snapshot-id=s1', 'tank/a@s',
  ]);
  assert.throws(() => cloneArgs('tank/a', 'tank/b', {}), invalid);
  assert.throws(() => snapshotArgs('tank/a', {}), invalid);
});

test('destroy: -d only when asked and only for snapshots; never -r or -R', () => {
  assert.deepEqual(destroyArgs('tank/a'), ['destroy', 'tank/a']);
  assert.deepEqual(destroyArgs('tank/a@s', { defer: false }), ['destroy', 'tank/a@s']);
  assert.deepEqual(destroyArgs('tank/a@s', { defer: true }), ['destroy', '-d', 'tank/a@s']);
  assert.throws(() => destroyArgs('tank/a', { defer: true }), invalid);
  assert.throws(() => destroyArgs('tank/a%b@s'), invalid);
  assert.throws(() => destroyArgs('tank/a@s1,s2'), invalid);
});

test('set: all properties in one call, sorted', () => {
  assert.deepEqual(setArgs('tank/a', { refquota: '5', canmount: 'off' }), ['set', 'canmount=off', 'refquota=5', 'tank/a']);
  assert.throws(() => setArgs('tank/a', {}), invalid);
});

test('property names and values are checked', () => {
  for (const props of [{ 'a,b': '1' }, { 'Zfs.csi:x': '1' }, { 'zfs.csi.dev:x': '' }, { refquota: 'a\tb' }, { refquota: '1\n' }, { '-o': 'x' }]) {
    assert.throws(() => createArgs('tank/a', props), invalid, JSON.stringify(props));
  }
  assert.throws(() => createArgs('tank/a', { 'zfs.csi.dev:x': 'v'.repeat(8192) }), invalid);
  assert.deepEqual(createArgs('tank/a', { 'zfs.csi.dev:csi-name': 'pvc with spaces=ok' }), [
    'create', '-o', 'zfs.csi.dev:csi-name=pvc with spaces=ok', 'tank/a',
  ]);
});

test('mount and unmount take a dataset', () => {
  assert.deepEqual(mountArgs('tank/a'), ['mount', 'tank/a']);
  assert.deepEqual(unmountArgs('tank/a'), ['unmount', 'tank/a']);
  assert.throws(() => mountArgs('tank/a@s'), invalid);
});

test('get: fixed columns, -r or -d N, props joined with ","', () => {
  const head = ['get', '-Hp', '-o', 'name,property,value,source'];
  assert.deepEqual(getArgs(['tank/a', 'tank/b@s'], ['used', 'zfs.csi.dev:managed']), [
    ...head, 'used,zfs.csi.dev:managed', 'tank/a', 'tank/b@s',
  ]);
  assert.deepEqual(getArgs(['tank'], ['used'], { recursive: true }), [...head, '-r', 'used', 'tank']);
  assert.deepEqual(getArgs(['tank'], ['used'], { depth: 1, recursive: true }), [...head, '-d', '1', 'used', 'tank']);
  assert.deepEqual(getArgs(['tank'], []), [...head, 'all', 'tank']);
  assert.throws(() => getArgs(['tank'], ['used,refquota']), invalid);
  assert.throws(() => getArgs(['tank'], ['used'], { depth: -1 }), invalid);
  assert.throws(() => getArgs(['tank%'], ['used']), invalid);
});

test('zpool list asks for name and health of one pool', () => {
  assert.deepEqual(poolListArgs('zfscsi'), ['list', '-H', '-o', 'name,health', 'zfscsi']);
  assert.throws(() => poolListArgs('zfscsi/a'), invalid);
});

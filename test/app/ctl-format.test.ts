import { test } from 'node:test';
import assert from 'node:assert/strict';
import { condition, contentSource, keyValues, pairs, table, timestamp, topologies } from '../../src/app/ctl/format.js';

test('keyValues aligns values and drops undefined rows', () => {
  assert.equal(keyValues([['id', 'v1'], ['capacity', '1 B'], ['gone', undefined]]), 'id:       v1\ncapacity: 1 B');
});

test('table pads every column but the last, and says so when empty', () => {
  const text = table(['ID', 'SIZE', 'NOTE'], [['a', '1.0 GiB (1073741824)', ''], ['bbbb', '2 B', 'x']]);
  assert.equal(text, ['ID    SIZE                  NOTE', 'a     1.0 GiB (1073741824)', 'bbbb  2 B                   x'].join('\n'));
  assert.equal(table(['ID'], [], '(no volumes)'), '(no volumes)');
});

test('pairs and topologies are sorted and show - when empty', () => {
  assert.equal(pairs({ b: '2', a: '1' }), 'a=1, b=2');
  assert.equal(pairs({}), '-');
  assert.equal(pairs(null), '-');
  assert.equal(topologies([{ segments: { 'zfs.csi.dev/node': 'n1' } }, { segments: { k: 'v' } }]), 'zfs.csi.dev/node=n1; k=v');
  assert.equal(topologies([]), '-');
});

test('timestamp is UTC ISO 8601 with milliseconds', () => {
  assert.equal(timestamp({ seconds: '1700000000', nanos: 123_456_789 }), '2023-11-14T22:13:20.123Z');
  assert.equal(timestamp(null), '-');
});

test('contentSource and condition', () => {
  assert.equal(contentSource({ snapshot: { snapshot_id: 's1' } }), 'snapshot s1');
  assert.equal(contentSource({ volume: { volume_id: 'v1' } }), 'volume v1');
  assert.equal(contentSource(null), '-');
  assert.equal(condition({ abnormal: true, message: 'pool faulted' }), 'ABNORMAL: pool faulted');
  assert.equal(condition({ abnormal: false, message: '' }), 'ok');
  assert.equal(condition(null), '-');
});

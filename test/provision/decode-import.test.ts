/**
 * Where an imported volume's record is believed (docs/import.md "Keep the name"): on the dataset it names, and
 * only with the import mark; a renamed or copied one reads as foreign, so no two datasets claim one volume ID.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePool } from '../../src/provision/decode.js';
import { P, encodeParams } from '../../src/provision/props.js';
import type { DatasetInfo } from '../../src/zfs/zfs.js';

const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';
const record = (name: string, extra: Record<string, string> = {}): DatasetInfo => ({
  name,
  props: new Map(Object.entries({
    type: 'filesystem', mountpoint: `/m/${ID}`, refquota: '1048576', used: '4096',
    [P.managed]: 'true', [P.kind]: 'volume', [P.volumeId]: ID, [P.csiName]: 'db', [P.node]: 'n1', [P.source]: 'none',
    [P.params]: encodeParams({ properties: {}, quotaType: 'refquota', thin: true }),
    [P.dataset]: 'tank/csi/pgdata', [P.imported]: '2026-12-07T12:00:00.000Z',
    ...extra,
  })),
});

test('an imported volume decodes under its kept name, with its ID from the record', () => {
  const view = decodePool('tank/csi', [record('tank/csi/pgdata')]);
  assert.deepEqual(view.foreign, []);
  assert.deepEqual(view.volumes.map((v) => [v.id, v.dataset, v.parent, v.capacityBytes, v.name]), [[ID, 'tank/csi/pgdata', 'tank/csi', 1048576n, 'db']]);
});

test('renamed, copied, or without the import mark: foreign, never a second holder of the ID', () => {
  const noMark = record('tank/csi/pgdata');
  (noMark.props as Map<string, string>).delete(P.imported);
  const view = decodePool('tank/csi', [record('tank/csi/pgdata-copy'), noMark]);
  assert.deepEqual(view.volumes, []);
  assert.deepEqual(view.foreign, ['tank/csi/pgdata-copy', 'tank/csi/pgdata']);
});

test('a made volume is still named by its ID and needs no import mark', () => {
  const made = record(`tank/csi/${ID}`);
  (made.props as Map<string, string>).delete(P.imported);
  (made.props as Map<string, string>).delete(P.dataset);
  assert.deepEqual(decodePool('tank/csi', [made]).volumes.map((v) => v.dataset), [`tank/csi/${ID}`]);
});

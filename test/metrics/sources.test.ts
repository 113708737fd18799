import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapacityReport, SnapshotRecord, VolumeRecord } from '../../src/domain/types.js';
import { backendCapacity } from '../../src/metrics/backend-sources.js';
import { localCapacity, localInventory } from '../../src/metrics/local-sources.js';
import { countBy, driftByKind } from '../../src/metrics/sources.js';
import type { DatasetInfo, GetOptions } from '../../src/zfs/zfs.js';

const volume = (id: string, retired: boolean) => ({ id, retired }) as VolumeRecord;
const snapshot = (id: string, readyToUse: boolean) => ({ id, readyToUse }) as SnapshotRecord;

test('countBy counts by phase', () => {
  assert.deepEqual(countBy(['a', 'bb', 'cc', 'd'], (s) => String(s.length)), { 1: 2, 2: 2 });
  assert.deepEqual(countBy([], () => 'x'), {});
});

test('drift names count by kind, both kinds always present', () => {
  assert.deepEqual(driftByKind([]), { volume: 0, snapshot: 0 });
  assert.deepEqual(driftByKind(['tank/csi/a', 'tank/csi/a@s', 'tank/csi/b']), { volume: 2, snapshot: 1 });
});

test('standalone inventory: Ready / Retired volumes, Ready / Pending snapshots, unknown until loaded', async () => {
  let loaded = false;
  const records = {
    allVolumes: () => [volume('a', false), volume('b', true), volume('c', false)],
    allSnapshots: () => [snapshot('s', true), snapshot('t', false)],
  };
  const read = localInventory(records, () => loaded);
  assert.equal(await read(), undefined);
  loaded = true;
  assert.deepEqual(await read(), { volumes: { Ready: 2, Retired: 1 }, snapshots: { Ready: 1, Pending: 1 } });
  const empty = localInventory({ allVolumes: () => [], allSnapshots: () => [] }, () => true);
  assert.deepEqual(await empty(), { volumes: { Ready: 0, Retired: 0 }, snapshots: { Ready: 0, Pending: 0 } }, 'none is 0, not absent');
});

test('standalone capacity: available and retired from the cache, used from one zfs get of the parents', async () => {
  const reports: CapacityReport[] = [
    { node: 'n', parent: 'tank/a', availableBytes: 100n, retiredBytes: 7n },
    { node: 'n', parent: 'tank/b', availableBytes: 200n, retiredBytes: 0n },
  ];
  const gets: { names: readonly string[]; props: readonly string[]; options: GetOptions | undefined; signal: boolean }[] = [];
  const zfs = {
    async get(names: readonly string[], props: readonly string[], options?: GetOptions, signal?: AbortSignal): Promise<DatasetInfo[]> {
      gets.push({ names, props, options, signal: signal !== undefined });
      return [{ name: 'tank/a', props: new Map([['used', '55']]) }];
    },
  };
  const read = localCapacity({ capacity: { get: async () => reports }, zfs, parents: ['tank/a', 'tank/b'] });
  assert.deepEqual(await read(), [
    { node: 'n', parent: 'tank/a', availableBytes: 100n, retiredBytes: 7n, usedBytes: 55n },
    { node: 'n', parent: 'tank/b', availableBytes: 200n, retiredBytes: 0n },
  ]);
  assert.equal(gets.length, 1);
  assert.deepEqual(gets[0]?.names, ['tank/a', 'tank/b']);
  assert.deepEqual(gets[0]?.props, ['used']);
  assert.ok(gets[0]?.signal, 'a scrape read is bounded by a signal');
});

test('controller capacity: every node the backend reports, asked with no node filter and a bounded signal', async () => {
  const asked: { node: string | undefined; signal: AbortSignal }[] = [];
  const reports: CapacityReport[] = [
    { node: 'n1', parent: 'tank/a', availableBytes: 1n, retiredBytes: 2n },
    { node: 'n2', parent: 'tank/a', availableBytes: 3n, retiredBytes: 0n },
  ];
  const read = backendCapacity({
    async capacity(node, signal) {
      asked.push({ node, signal });
      return reports;
    },
  });
  assert.deepEqual(await read(), reports);
  assert.equal(asked[0]?.node, undefined);
  assert.equal(asked[0]?.signal.aborted, false);
});

/**
 * Standalone volume health (issue #7): the mapping from zpool health, the parent's children and the mount
 * table to a condition, with a constant number of commands however many volumes; and the node's pool-health
 * cache that NodeGetVolumeStats reads without running anything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import winston from 'winston';
import type { VolumeRecord } from '../../src/domain/types.js';
import { PoolHealthMonitor } from '../../src/provision/pool-health.js';
import { localVolumeStates } from '../../src/provision/volume-health.js';
import { ZfsError } from '../../src/zfs/errors.js';
import type { DatasetInfo, Zfs } from '../../src/zfs/zfs.js';

const info = (name: string, props: Record<string, string>): DatasetInfo => ({ name, props: new Map(Object.entries(props)) });

function record(id: string, parent = 'tank/csi'): VolumeRecord {
  return {
    id, name: id, node: 'n1', parent, capacityBytes: 1n, params: { properties: {}, quotaType: 'refquota', thin: true },
    dataset: `${parent}/${id}`, mountpoint: `/m/${id}`, retired: false, usedBytes: 0n,
  };
}

interface FakeOptions {
  readonly health: Record<string, string | undefined>;
  readonly children?: Record<string, DatasetInfo[] | 'missing'>;
}

function fakeZfs(o: FakeOptions): { zfs: Zfs; calls: string[] } {
  const calls: string[] = [];
  const zfs = {
    poolHealth: async (pool: string) => {
      calls.push(`zpool ${pool}`);
      return o.health[pool];
    },
    get: async (names: readonly string[]) => {
      calls.push(`get ${names.join(',')}`);
      const c = o.children?.[names[0] ?? ''] ?? [];
      if (c === 'missing') throw new ZfsError('not_found', `cannot open '${names[0] ?? ''}': dataset does not exist`);
      return c;
    },
  } as unknown as Zfs;
  return { zfs, calls };
}

const signal = new AbortController().signal;
const noBinds = async (mps: readonly string[]) => new Map(mps.map((m) => [m, [] as string[]]));

test('present, mounted at its mountpoint, pool ONLINE: normal; published where the mount table shows binds', async () => {
  const { zfs } = fakeZfs({
    health: { tank: 'ONLINE' },
    children: { 'tank/csi': [info('tank/csi/a', { mounted: 'yes', mountpoint: '/m/a' }), info('tank/csi/b', { mounted: 'yes', mountpoint: '/m/b' })] },
  });
  const binds = async () => new Map([['/m/a', ['/pods/x']], ['/m/b', []]]);
  const states = await localVolumeStates({ zfs, node: 'n1', bindsOf: binds }, [record('a'), record('b')], signal);
  assert.deepEqual(states, [
    { condition: { abnormal: false, message: 'dataset is present and mounted; pool is ONLINE' }, publishedNodes: ['n1'] },
    { condition: { abnormal: false, message: 'dataset is present and mounted; pool is ONLINE' }, publishedNodes: [] },
  ]);
});

test('missing, retired, unmounted, moved: each named; one zpool and one zfs get for many volumes', async () => {
  const { zfs, calls } = fakeZfs({
    health: { tank: 'ONLINE' },
    children: {
      'tank/csi': [
        info('tank/csi/r', { mounted: 'yes', mountpoint: '/m/r', 'zfs.csi.dev:retired': '2026-12-01T00:00:00Z' }),
        info('tank/csi/u', { mounted: 'no', mountpoint: '/m/u' }),
        info('tank/csi/x', { mounted: 'yes', mountpoint: '/elsewhere' }),
      ],
    },
  });
  const states = await localVolumeStates({ zfs, node: 'n1', bindsOf: noBinds }, ['gone', 'r', 'u', 'x'].map((id) => record(id)), signal);
  assert.deepEqual(states.map((s) => s.condition), [
    { abnormal: true, message: 'dataset tank/csi/gone is missing' },
    { abnormal: true, message: 'dataset tank/csi/r is marked retired' },
    { abnormal: true, message: 'dataset tank/csi/u is not mounted at /m/u' },
    { abnormal: true, message: 'dataset tank/csi/x has mountpoint /elsewhere, expected /m/x' },
  ]);
  assert.deepEqual(calls, ['zpool tank', 'get tank/csi']);
});

test('a pool that is not ONLINE is named; only ONLINE/DEGRADED pools are read further', async () => {
  const { zfs, calls } = fakeZfs({
    health: { tank: 'DEGRADED', sick: 'SUSPENDED', away: undefined },
    children: { 'tank/csi': [] },
  });
  const states = await localVolumeStates(
    { zfs, node: 'n1', bindsOf: noBinds }, [record('a', 'tank/csi'), record('b', 'sick/csi'), record('c', 'away/csi')], signal,
  );
  assert.deepEqual(states.map((s) => s.condition), [
    { abnormal: true, message: 'pool tank is DEGRADED; dataset tank/csi/a is missing' },
    { abnormal: true, message: 'pool sick is SUSPENDED' },
    { abnormal: true, message: 'pool away is not imported' },
  ]);
  assert.deepEqual(calls.filter((c) => c.startsWith('get')), ['get tank/csi'], 'a SUSPENDED pool may hang zfs get: not asked');
});

test('a missing parent on an imported pool is named; other zfs errors are not turned into a condition', async () => {
  const missing = fakeZfs({ health: { tank: 'ONLINE' }, children: { 'tank/csi': 'missing' } });
  const [state] = await localVolumeStates({ zfs: missing.zfs, node: 'n1', bindsOf: noBinds }, [record('a')], signal);
  assert.deepEqual(state?.condition, { abnormal: true, message: 'parent dataset tank/csi is missing' });
  const broken = { poolHealth: async () => 'ONLINE', get: async () => { throw new ZfsError('timeout', 'zfs get timed out'); } } as unknown as Zfs;
  await assert.rejects(localVolumeStates({ zfs: broken, node: 'n1', bindsOf: noBinds }, [record('a')], signal), /timed out/);
});

test('no records: no command at all', async () => {
  const { zfs, calls } = fakeZfs({ health: {} });
  assert.deepEqual(await localVolumeStates({ zfs, node: 'n1', bindsOf: noBinds }, [], signal), []);
  assert.deepEqual(calls, []);
});

test('PoolHealthMonitor: nothing claimed before the first read; then the cached answer, without a call', async () => {
  let health: string | undefined = 'ONLINE';
  let calls = 0;
  const zfs = { poolHealth: async () => { calls += 1; return health; } } as unknown as Zfs;
  const monitor = new PoolHealthMonitor({ zfs, parents: ['tank/a', 'tank/b'], intervalMs: 60_000, log: winston.createLogger({ silent: true }) });
  assert.equal(monitor.conditionOf('tank/a/vol-1'), undefined);
  await monitor.refresh();
  assert.equal(calls, 1, 'one zpool call per pool, not per parent');
  assert.equal(monitor.conditionOf('tank/a/vol-1'), undefined, 'ONLINE: nothing to say');
  health = 'FAULTED';
  assert.equal(monitor.conditionOf('tank/a/vol-1'), undefined, 'reads the cache, never zpool');
  await monitor.refresh();
  assert.deepEqual(monitor.conditionOf('tank/b/vol-2'), { abnormal: true, message: 'pool tank is FAULTED' });
  health = undefined;
  await monitor.refresh();
  assert.deepEqual(monitor.conditionOf('tank/a/vol-1'), { abnormal: true, message: 'pool tank is not imported' });
  assert.equal(monitor.conditionOf('other/x/vol-3'), undefined, 'a pool it does not watch is not judged');
});

test('PoolHealthMonitor: a failed read keeps the last answer', async () => {
  let fail = false;
  const zfs = { poolHealth: async () => { if (fail) throw new ZfsError('timeout', 'zpool timed out'); return 'DEGRADED'; } } as unknown as Zfs;
  const monitor = new PoolHealthMonitor({ zfs, parents: ['tank/a'], intervalMs: 60_000, log: winston.createLogger({ silent: true }) });
  await monitor.refresh();
  fail = true;
  await monitor.refresh();
  assert.deepEqual(monitor.conditionOf('tank/a/v'), { abnormal: true, message: 'pool tank is DEGRADED' });
});

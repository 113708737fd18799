import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METRIC } from '../../src/metrics/names.js';
import { Metrics } from '../../src/metrics/registry.js';
import type { PoolCapacity } from '../../src/metrics/sources.js';
import { find, typeOf, value } from './exposition.js';

/** name → [prometheus type, label names] as documented in docs/metrics.md. */
const EXPECTED: Record<string, readonly [string, readonly string[]]> = {
  [METRIC.grpcDuration]: ['histogram', ['method', 'code']],
  [METRIC.zfsDuration]: ['histogram', ['subcommand', 'outcome']],
  [METRIC.zfsFailures]: ['counter', ['subcommand', 'error_class']],
  [METRIC.volumes]: ['gauge', ['phase']],
  [METRIC.snapshots]: ['gauge', ['phase']],
  [METRIC.retiredBytes]: ['gauge', ['node', 'parent']],
  [METRIC.heldByForeign]: ['gauge', ['node', 'parent']],
  [METRIC.heldByForeignBytes]: ['gauge', ['node', 'parent']],
  [METRIC.poolAvailable]: ['gauge', ['node', 'parent']],
  [METRIC.poolUsed]: ['gauge', ['node', 'parent']],
  [METRIC.queueDepth]: ['gauge', []],
  [METRIC.drift]: ['gauge', ['kind']],
};

test('every driver metric is registered with its type and label names', async () => {
  const m = new Metrics({ defaultMetrics: false });
  const json = await m.registry.getMetricsAsJSON();
  assert.deepEqual(json.map((j) => j.name).sort(), Object.keys(EXPECTED).sort());
  for (const [name, [type, labels]] of Object.entries(EXPECTED)) {
    const metric = m.registry.getSingleMetric(name);
    assert.ok(metric, name);
    assert.equal(json.find((j) => j.name === name)?.type, type, name);
    assert.deepEqual([...((metric as unknown as { labelNames: string[] }).labelNames)].sort(), [...labels].sort(), name);
  }
});

test('default process metrics are on by default, and each instance has its own registry', async () => {
  const a = new Metrics();
  const b = new Metrics();
  const text = await a.text();
  assert.equal(typeOf(text, 'process_cpu_user_seconds_total'), 'counter');
  assert.equal(typeOf(text, 'nodejs_eventloop_lag_seconds'), 'gauge');
  a.onCall({ service: 'Controller', method: 'CreateVolume', code: 'OK', durationMs: 10 });
  assert.equal(value(await a.text(), `${METRIC.grpcDuration}_count`, { method: 'CreateVolume' }), 1);
  assert.equal(value(await b.text(), `${METRIC.grpcDuration}_count`, { method: 'CreateVolume' }), undefined);
});

test('a finished call lands in the gRPC histogram by method and code, in seconds', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.onCall({ service: 'Controller', method: 'CreateVolume', code: 'OK', durationMs: 30 });
  m.onCall({ service: 'Controller', method: 'CreateVolume', code: 'OK', durationMs: 70 });
  m.onCall({ service: 'Controller', method: 'CreateVolume', code: 'ABORTED', durationMs: 2 });
  const text = await m.text();
  const ok = { method: 'CreateVolume', code: 'OK' };
  assert.equal(value(text, `${METRIC.grpcDuration}_count`, ok), 2);
  assert.ok(Math.abs((value(text, `${METRIC.grpcDuration}_sum`, ok) ?? 0) - 0.1) < 1e-9);
  assert.equal(value(text, `${METRIC.grpcDuration}_bucket`, { ...ok, le: '0.05' }), 1);
  assert.equal(value(text, `${METRIC.grpcDuration}_count`, { method: 'CreateVolume', code: 'ABORTED' }), 1);
});

test('zfs command events feed the duration histogram and, for failures, the failure counter by class', async () => {
  const m = new Metrics({ defaultMetrics: false });
  const observe = m.commandObserver(['chroot', '/host']);
  observe({ argv: ['chroot', '/host', '/sbin/zfs', 'create', '-o', 'refquota=1', 'tank/csi/v1'], durationMs: 120, ok: true });
  observe({ argv: ['chroot', '/host', '/sbin/zfs', 'destroy', 'tank/csi/v1'], durationMs: 5, ok: false, kind: 'busy' });
  observe({ argv: ['chroot', '/host', '/sbin/zfs', 'destroy', 'tank/csi/v1'], durationMs: 6, ok: false, kind: 'busy' });
  observe({ argv: ['chroot', '/host', '/sbin/zpool', 'list', 'tank'], durationMs: 3, ok: false, kind: 'pool_unavailable' });
  const text = await m.text();
  assert.equal(value(text, `${METRIC.zfsDuration}_count`, { subcommand: 'create', outcome: 'ok' }), 1);
  assert.equal(value(text, `${METRIC.zfsDuration}_count`, { subcommand: 'destroy', outcome: 'error' }), 2);
  assert.equal(value(text, METRIC.zfsFailures, { subcommand: 'destroy', error_class: 'busy' }), 2);
  assert.equal(value(text, METRIC.zfsFailures, { subcommand: 'zpool list', error_class: 'pool_unavailable' }), 1);
  assert.equal(find(text, METRIC.zfsFailures, { subcommand: 'create' }).length, 0);
  // No dataset name ever becomes a label value.
  assert.ok(!text.includes('tank/csi/v1'));
});

test('volumes and snapshots by phase are read from the inventory source at each scrape', async () => {
  const m = new Metrics({ defaultMetrics: false });
  let volumes: Record<string, number> = { Ready: 3, Retired: 1 };
  m.setSources({ inventory: async () => ({ volumes, snapshots: { Ready: 2 } }) });
  let text = await m.text();
  assert.equal(value(text, METRIC.volumes, { phase: 'Ready' }), 3);
  assert.equal(value(text, METRIC.volumes, { phase: 'Retired' }), 1);
  assert.equal(value(text, METRIC.snapshots, { phase: 'Ready' }), 2);
  volumes = { Ready: 4 };
  text = await m.text();
  assert.equal(value(text, METRIC.volumes, { phase: 'Ready' }), 4);
  assert.equal(value(text, METRIC.volumes, { phase: 'Retired' }), undefined, 'a phase that is gone has no stale series');
});

test('capacity gauges come from one source call per scrape; used and retired are left out when unknown', async () => {
  const m = new Metrics({ defaultMetrics: false });
  let calls = 0;
  const pools: PoolCapacity[] = [
    { node: 'n1', parent: 'tank/csi', availableBytes: 5n << 30n, usedBytes: 1n << 30n, retiredBytes: 123n },
    { node: 'n1', parent: 'tank/other', availableBytes: 7n },
  ];
  m.setSources({ capacity: async () => (calls++, pools) });
  const text = await m.text();
  assert.equal(calls, 1);
  const csi = { node: 'n1', parent: 'tank/csi' };
  assert.equal(value(text, METRIC.poolAvailable, csi), 5 * 2 ** 30);
  assert.equal(value(text, METRIC.poolUsed, csi), 2 ** 30);
  assert.equal(value(text, METRIC.retiredBytes, csi), 123);
  assert.equal(value(text, METRIC.poolAvailable, { parent: 'tank/other' }), 7);
  assert.equal(value(text, METRIC.poolUsed, { parent: 'tank/other' }), undefined);
  assert.equal(value(text, METRIC.retiredBytes, { parent: 'tank/other' }), undefined);
});

test('a failing or unknown source leaves its series out, reports the error, and the scrape still succeeds', async () => {
  const errors: string[] = [];
  const m = new Metrics({ defaultMetrics: false, onCollectError: (source) => errors.push(source) });
  let fail = false;
  m.setSources({
    inventory: async () => undefined,
    capacity: async () => {
      if (fail) throw new Error('pool not imported');
      return [{ node: 'n1', parent: 'tank/csi', availableBytes: 9n }];
    },
  });
  assert.equal(value(await m.text(), METRIC.poolAvailable, { parent: 'tank/csi' }), 9);
  fail = true;
  const text = await m.text();
  assert.equal(find(text, METRIC.poolAvailable).length, 0, 'no stale number for a pool that cannot be read');
  assert.equal(find(text, METRIC.volumes).length, 0, 'unknown is not zero');
  assert.ok(errors.includes('capacity'));
  assert.ok(!errors.includes('inventory'));
});

test('the agent pushes queue depth, drift by kind and capacity', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.setReconcileQueueDepth(7);
  m.setDriftObjects({ volume: 2, snapshot: 1 });
  m.setPoolCapacity([{ node: 'n2', parent: 'tank/k', availableBytes: 10n, usedBytes: 20n, retiredBytes: 0n }]);
  let text = await m.text();
  assert.equal(value(text, METRIC.queueDepth), 7);
  assert.equal(value(text, METRIC.drift, { kind: 'volume' }), 2);
  assert.equal(value(text, METRIC.drift, { kind: 'snapshot' }), 1);
  assert.equal(value(text, METRIC.poolUsed, { node: 'n2', parent: 'tank/k' }), 20);
  assert.equal(value(text, METRIC.retiredBytes, { node: 'n2', parent: 'tank/k' }), 0);
  m.setDriftObjects({ volume: 0 });
  text = await m.text();
  assert.equal(value(text, METRIC.drift, { kind: 'volume' }), 0);
  assert.equal(value(text, METRIC.drift, { kind: 'snapshot' }), undefined);
});

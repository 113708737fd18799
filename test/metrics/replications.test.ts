import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { METRIC } from '../../src/metrics/names.js';
import { replicationMetrics } from '../../src/metrics/replications.js';
import type { ZfsReplication } from '../../src/store/kube/resources.js';
import { find } from './exposition.js';

const repl = (name: string, status: ZfsReplication['status']): ZfsReplication => ({
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsReplication', metadata: { name },
  spec: { volumeId: `vol-${name}`, targetNode: 'node-b', intervalSeconds: 60, retain: 2 }, ...(status ? { status } : {}),
});

test('the loss window and failing state of each ZfsReplication, read from the current list at scrape time', async () => {
  const registry = new Registry();
  let list: ZfsReplication[] = [
    repl('db', { phase: 'Ready', lastReplicatedTime: '2026-12-07T10:00:00Z' }),
    repl('new', { phase: 'Failing', code: 'UNAVAILABLE' }),
  ];
  replicationMetrics(registry, () => list);
  let text = await registry.metrics();
  const labels = { replication: 'db', volume: 'vol-db', target_node: 'node-b' };
  assert.deepEqual(find(text, METRIC.replicationLastReplicated, labels).map((s) => s.value), [Date.parse('2026-12-07T10:00:00Z') / 1000]);
  assert.deepEqual(find(text, METRIC.replicationLastReplicated, { replication: 'new' }), [], 'nothing replicated yet: no sample, not 0');
  assert.deepEqual(find(text, METRIC.replicationFailing, { replication: 'new' }).map((s) => s.value), [1]);
  assert.deepEqual(find(text, METRIC.replicationFailing, { replication: 'db' }).map((s) => s.value), [0]);
  list = [];
  text = await registry.metrics();
  assert.deepEqual(find(text, METRIC.replicationFailing), [], 'a deleted replication leaves no stale series');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { runningTransfers, transferStatusOf } from '../../src/agent/transfer-status.js';
import { METRIC } from '../../src/metrics/names.js';
import { TransferMetrics } from '../../src/metrics/transfers.js';
import type { ZfsTransfer } from '../../src/store/kube/resources.js';
import { find } from '../metrics/exposition.js';

const xfer = (name: string, status: ZfsTransfer['status']): ZfsTransfer => ({
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsTransfer', metadata: { name },
  spec: { snapshotId: 'snap-x', volumeId: 'vol-x', nodeName: 'node-a', targetNode: 'node-b' }, ...(status ? { status } : {}),
});

test('Kubernetes-mode transfers feed the same transfer series as standalone mode', async () => {
  const registry = new Registry();
  const outgoing = [
    xfer('xfer-run', { phase: 'Running', step: 'sending', bytes: '10' }),
    xfer('xfer-wait', { phase: 'Pending', code: 'UNAVAILABLE' }),
    xfer('xfer-new', undefined),
  ];
  const metrics = new TransferMetrics(registry, () => runningTransfers(outgoing));
  metrics.observe(transferStatusOf(xfer('xfer-ok', { phase: 'Succeeded', mode: 'incremental', bytes: '8192', finishedAt: '2026-12-07T10:00:00Z' })));
  metrics.observe(transferStatusOf(xfer('xfer-bad', { phase: 'Failed', code: 'FAILED_PRECONDITION', message: 'diverged' })));
  const text = await registry.metrics();
  assert.deepEqual(find(text, METRIC.transfersRunning, { phase: 'sending' }).map((s) => s.value), [1], 'only Running counts as running');
  assert.deepEqual(find(text, METRIC.transfers, { peer: 'node-b', mode: 'incremental', outcome: 'succeeded' }).map((s) => s.value), [1]);
  assert.deepEqual(find(text, METRIC.transfers, { peer: 'node-b', mode: 'none', outcome: 'failed' }).map((s) => s.value), [1]);
  assert.deepEqual(find(text, METRIC.transferBytes, { peer: 'node-b' }).map((s) => s.value), [8192]);
  assert.deepEqual(find(text, METRIC.transferLastSuccess, { peer: 'node-b' }).map((s) => s.value), [Date.parse('2026-12-07T10:00:00Z') / 1000]);
  assert.deepEqual(transferStatusOf(xfer('xfer-bad', { phase: 'Failed', code: 'FAILED_PRECONDITION', message: 'diverged' })).error, { code: 'FAILED_PRECONDITION', message: 'diverged' });
});

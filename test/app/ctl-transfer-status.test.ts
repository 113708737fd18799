import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { decodeList, decodeStatus, progressText, statusTable } from '../../src/app/ctl/transfer-status.js';

const RUNNING = {
  id: 'xfer-a', snapshotId: 'snap-1', volumeId: 'vol-1', peer: 'node-b', state: 'running', phase: 'sending', mode: 'full',
  bytes: String(12 << 20), estimateBytes: String(48 << 20), rateBytesPerSecond: 4 << 20, startedAt: '2026-12-07T00:00:00.000Z',
};

test('a status from the admin API decodes; progress reads bytes of the estimate, percent and rate', () => {
  const s = decodeStatus(RUNNING);
  assert.equal(progressText(s), '12.0 MiB of ~48.0 MiB (25%), 4.0 MiB/s');
  assert.equal(progressText({ ...s, estimateBytes: '0' }), '12.0 MiB, 4.0 MiB/s', 'no estimate (zfs-fuse incremental): no percentage');
  assert.match(statusTable([s]), /xfer-a\s+snap-1\s+node-b\s+running\s+sending\s+full\s+12\.0 MiB/);
});

test('a failed transfer keeps its code; malformed answers are INTERNAL, never a crash', () => {
  const failed = decodeStatus({ ...RUNNING, state: 'failed', phase: 'done', error: { code: 'UNAVAILABLE', message: 'gone' } });
  assert.deepEqual(failed.error, { code: 'UNAVAILABLE', message: 'gone' });
  for (const bad of [null, 'x', { ...RUNNING, state: 'exploded' }, { ...RUNNING, id: 7 }]) {
    assert.throws(() => decodeStatus(bad), (e: unknown) => e instanceof DriverError && e.code === 'INTERNAL', JSON.stringify(bad));
  }
  assert.throws(() => decodeList({ transfers: 'no' }), (e: unknown) => e instanceof DriverError && e.code === 'INTERNAL');
  assert.equal(decodeList({ transfers: [RUNNING] }).length, 1);
});

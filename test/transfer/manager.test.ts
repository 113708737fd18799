import assert from 'node:assert/strict';
import { test } from 'node:test';
import winston from 'winston';
import type { SnapshotRecord, VolumeRecord } from '../../src/domain/types.js';
import { TransferError } from '../../src/transfer/errors.js';
import { TransferManager, type TransferStatus } from '../../src/transfer/manager.js';
import type { Progress, SendOutcome, SendRequest, SenderDeps } from '../../src/transfer/sender.js';

const VOLUME = { id: 'vol-1', name: 'pvc-1', dataset: 'tank/csi/vol-1', params: { properties: {}, quotaType: 'refquota', thin: true } } as unknown as VolumeRecord;
const SNAPSHOT = { id: 'snap-1', name: 's1', sourceVolumeId: 'vol-1', sizeBytes: 1024n, creationTime: new Date(0) } as unknown as SnapshotRecord;

/** A sender that stays running until the test settles it. */
function fakeSender() {
  const calls: SendRequest[] = [];
  let settle: { resolve: (o: SendOutcome) => void; reject: (e: unknown) => void; progress: (p: Progress) => void; signal: AbortSignal } | undefined;
  const send = (_deps: SenderDeps, req: SendRequest, progress: (p: Progress) => void, signal: AbortSignal): Promise<SendOutcome> => {
    calls.push(req);
    return new Promise((resolve, reject) => {
      settle = { resolve, reject, progress, signal };
      signal.addEventListener('abort', () => reject(new TransferError('ABORTED', 'transfer cancelled')));
    });
  };
  return { calls, send, get settle() { return settle; } };
}

function manager(send: ReturnType<typeof fakeSender>['send'], seen: TransferStatus[] = []) {
  return new TransferManager({
    sender: {} as SenderDeps, peers: new Map([['node-b', { host: '127.0.0.1', port: 7443 }]]),
    snapshot: (id) => (id === SNAPSHOT.id ? SNAPSHOT : undefined), volume: (id) => (id === VOLUME.id ? VOLUME : undefined),
    log: winston.createLogger({ silent: true }), send, onChange: (s) => void seen.push(s),
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a start for a peer that is not configured, or a snapshot this node does not hold, is refused before anything runs', () => {
  const fake = fakeSender();
  const m = manager(fake.send);
  assert.throws(() => m.start({ snapshotId: 'snap-1', peer: 'node-c' }), (e: unknown) => e instanceof TransferError && e.code === 'INVALID_ARGUMENT');
  assert.throws(() => m.start({ snapshotId: 'snap-x', peer: 'node-b' }), (e: unknown) => e instanceof TransferError && e.code === 'NOT_FOUND');
  assert.equal(fake.calls.length, 0);
});

test('a second start of the same snapshot to the same peer returns the running transfer; progress and the outcome show in its status', async () => {
  const fake = fakeSender();
  const seen: TransferStatus[] = [];
  const m = manager(fake.send, seen);
  const first = m.start({ snapshotId: 'snap-1', peer: 'node-b' });
  assert.match(first.id, /^xfer-[a-z2-7]{20}$/);
  assert.equal(m.start({ snapshotId: 'snap-1', peer: 'node-b' }).id, first.id);
  assert.equal(fake.calls.length, 1);
  assert.equal(fake.calls[0]?.dataset, 'tank/csi/vol-1');
  fake.settle?.progress({ phase: 'sending', mode: 'full', bytes: 512n, estimateBytes: 1024n });
  assert.equal(m.get(first.id)?.bytes, '512');
  assert.equal(m.get(first.id)?.estimateBytes, '1024');
  fake.settle?.resolve({ mode: 'full', bytes: 1024n });
  await tick();
  const done = m.get(first.id);
  assert.equal(done?.state, 'succeeded');
  assert.equal(done?.bytes, '1024');
  assert.ok(done?.finishedAt);
  assert.deepEqual(seen.map((s) => s.state), ['running', 'succeeded']);
});

test('cancel aborts the sender and the transfer reads cancelled; a failure keeps its code', async () => {
  const fake = fakeSender();
  const m = manager(fake.send);
  const t = m.start({ snapshotId: 'snap-1', peer: 'node-b' });
  m.cancel(t.id);
  await tick();
  assert.equal(fake.settle?.signal.aborted, true);
  assert.equal(m.get(t.id)?.state, 'cancelled');
  const u = m.start({ snapshotId: 'snap-1', peer: 'node-b' });
  assert.notEqual(u.id, t.id, 'a finished transfer is not reused');
  fake.settle?.reject(new TransferError('FAILED_PRECONDITION', 'diverged'));
  await tick();
  assert.deepEqual(m.get(u.id)?.error, { code: 'FAILED_PRECONDITION', message: 'diverged' });
  assert.equal(m.get(u.id)?.state, 'failed');
  assert.throws(() => m.cancel('xfer-none'), (e: unknown) => e instanceof TransferError && e.code === 'NOT_FOUND');
});

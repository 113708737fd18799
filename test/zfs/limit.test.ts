import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore } from '../../src/zfs/limit.js';
import { ZfsError } from '../../src/zfs/errors.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('never runs more than max at once, and serves waiters in order', async () => {
  const sem = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: Array<() => void> = [];
  const job = (i: number): Promise<void> =>
    sem.run(async () => {
      order.push(i);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
    });
  const all = Promise.all([0, 1, 2, 3, 4].map(job));
  await tick();
  assert.deepEqual(order, [0, 1]);
  assert.equal(sem.active, 2);
  assert.equal(sem.waiting, 3);
  while (order.length < 5 || gates.length > 0) {
    gates.shift()?.();
    await tick();
  }
  await all;
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(sem.active, 0);
});

test('a permit is returned when the job throws, and releasing twice frees one slot', async () => {
  const sem = new Semaphore(1);
  await assert.rejects(sem.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(sem.active, 0);
  const release = await sem.acquire();
  release();
  release();
  assert.equal(sem.active, 0);
  const a = await sem.acquire();
  assert.equal(sem.active, 1);
  a();
});

test('an aborted waiter leaves the queue with cancelled and does not take a slot', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const controller = new AbortController();
  const waiting = sem.acquire(controller.signal);
  assert.equal(sem.waiting, 1);
  controller.abort();
  await assert.rejects(waiting, (err: unknown) => err instanceof ZfsError && err.kind === 'cancelled' && err.code === 'ABORTED');
  assert.equal(sem.waiting, 0);
  held();
  assert.equal(sem.active, 0);
  await assert.rejects(sem.acquire(AbortSignal.abort()), ZfsError);
});

test('max must be a positive integer', () => {
  assert.throws(() => new Semaphore(0), ZfsError);
  assert.throws(() => new Semaphore(1.5), ZfsError);
});

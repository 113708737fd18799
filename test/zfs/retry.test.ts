import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryBusy, sleep } from '../../src/zfs/retry.js';
import { ZfsError } from '../../src/zfs/errors.js';

/** A fake clock: sleeping advances time instantly and records each pause. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; pauses: number[] } {
  let t = 0;
  const pauses: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      pauses.push(ms);
      t += ms;
    },
    pauses,
  };
}

const busy = (n: number): ZfsError => new ZfsError('busy', `busy #${n}`, { stderr: 'dataset is busy' });

test('retries busy with doubling delays until it succeeds', async () => {
  const clock = fakeClock();
  let calls = 0;
  const result = await retryBusy(
    async () => {
      calls += 1;
      if (calls < 4) throw busy(calls);
      return 'done';
    },
    { budgetMs: 10_000, initialDelayMs: 50, random: () => 1, now: clock.now, sleep: clock.sleep },
  );
  assert.equal(result, 'done');
  assert.equal(calls, 4);
  assert.deepEqual(clock.pauses, [50, 100, 200]);
});

test('jitter keeps each pause between half and all of the step, capped at maxDelayMs', async () => {
  const clock = fakeClock();
  let calls = 0;
  await retryBusy(
    async () => {
      calls += 1;
      if (calls < 6) throw busy(calls);
    },
    { budgetMs: 100_000, initialDelayMs: 100, maxDelayMs: 400, random: () => 0, now: clock.now, sleep: clock.sleep },
  );
  assert.deepEqual(clock.pauses, [50, 100, 200, 200, 200]);
});

test('gives up inside the budget and throws the last busy error (ABORTED)', async () => {
  const clock = fakeClock();
  let calls = 0;
  await assert.rejects(
    retryBusy(
      async () => {
        calls += 1;
        throw busy(calls);
      },
      { budgetMs: 1_000, initialDelayMs: 50, random: () => 1, now: clock.now, sleep: clock.sleep },
    ),
    (err: unknown) => err instanceof ZfsError && err.message === `busy #${calls}` && err.code === 'ABORTED',
  );
  // 50+100+200+400 = 750 < 1000; the next pause (800) would pass the budget.
  assert.equal(calls, 5);
  assert.ok(clock.now() < 1_000);
});

test('other errors are thrown at once, without retry', async () => {
  let calls = 0;
  await assert.rejects(
    retryBusy(
      async () => {
        calls += 1;
        throw new ZfsError('not_found', 'gone');
      },
      { budgetMs: 10_000 },
    ),
    (err: unknown) => err instanceof ZfsError && err.kind === 'not_found',
  );
  assert.equal(calls, 1);
});

test('an abort during the pause ends the retry with cancelled', async () => {
  const controller = new AbortController();
  const started = performance.now();
  const pending = retryBusy(
    async () => {
      throw busy(1);
    },
    { budgetMs: 60_000, initialDelayMs: 5_000, signal: controller.signal },
  );
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(pending, (err: unknown) => err instanceof ZfsError && err.kind === 'cancelled');
  assert.ok(performance.now() - started < 2_000);
  await assert.rejects(sleep(10, AbortSignal.abort()), ZfsError);
});

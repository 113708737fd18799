import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, WorkQueue, type Timers } from '../../src/agent/work-queue.js';
import { warningsDuring } from '../support/warnings.js';

/** A promise with its resolve handle. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Timers driven by the test: nothing fires until fire() is called. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  readonly delays: number[] = [];
  private next = 1;
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    this.delays.push(ms);
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

test('one key never runs twice at once; adds while it runs coalesce into exactly one more run', async () => {
  const gates: Array<ReturnType<typeof deferred>> = [];
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const q = new WorkQueue<string>(async () => {
    runs++;
    active++;
    maxActive = Math.max(maxActive, active);
    const gate = deferred();
    gates.push(gate);
    await gate.promise;
    active--;
  });
  q.start();
  q.add('volume/a');
  await tick();
  assert.equal(runs, 1);
  for (let i = 0; i < 5; i++) q.add('volume/a');
  await tick();
  assert.equal(runs, 1, 'no second run while the first is in flight');
  gates[0]?.resolve();
  await tick();
  assert.equal(runs, 2, 'the five adds made one more run');
  gates[1]?.resolve();
  await q.idle();
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
});

test('adds before start coalesce; start runs each key once', async () => {
  const seen: string[] = [];
  const q = new WorkQueue<string>(async (key) => {
    seen.push(key);
  });
  q.add('volume/a');
  q.add('snapshot/b');
  q.add('volume/a');
  await tick();
  assert.deepEqual(seen, [], 'nothing runs before start');
  q.start();
  await q.idle();
  assert.deepEqual(seen, ['volume/a', 'snapshot/b']);
});

test('at most `concurrency` keys run at a time', async () => {
  let active = 0;
  let maxActive = 0;
  const q = new WorkQueue<string>(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  }, { concurrency: 3 });
  q.start();
  for (let i = 0; i < 12; i++) q.add(`volume/v${i}`);
  await q.idle();
  assert.equal(maxActive, 3);
});

test('a failing key is retried after growing, capped, jittered delays; success resets the count', async () => {
  const timers = new ManualTimers();
  let failuresLeft = 6;
  let runs = 0;
  const errors: number[] = [];
  const q = new WorkQueue<string>(async () => {
    runs++;
    if (failuresLeft-- > 0) throw new Error('zfs busy');
  }, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, timers, onError: (_k, _e, n) => errors.push(n) });
  q.start();
  q.add('volume/a');
  for (let i = 0; i < 6; i++) {
    await tick();
    assert.equal(timers.pending.size, 1, `retry ${i + 1} scheduled`);
    timers.fireAll();
  }
  await q.idle();
  assert.equal(runs, 7);
  assert.deepEqual(errors, [1, 2, 3, 4, 5, 6]);
  // exp = 100, 200, 400, 800, 1000 (cap), 1000; random 0.5 → ¾ of it.
  assert.deepEqual(timers.delays, [75, 150, 300, 600, 750, 750]);
  assert.equal(q.failureCount('volume/a'), 0);
});

test('a new add during a backoff runs at once and replaces the pending retry', async () => {
  const timers = new ManualTimers();
  let runs = 0;
  const q = new WorkQueue<string>(async () => {
    runs++;
    if (runs === 1) throw new Error('transient');
  }, { timers });
  q.start();
  q.add('volume/a');
  await tick();
  assert.equal(timers.pending.size, 1);
  q.add('volume/a');
  assert.equal(timers.pending.size, 0, 'the retry timer is cancelled');
  await q.idle();
  assert.equal(runs, 2);
});

test('backoffDelay stays within [½, 1] × the capped exponential', () => {
  for (let n = 1; n < 40; n++) {
    const exp = Math.min(30_000, 200 * 2 ** (n - 1));
    assert.equal(backoffDelay(n, 200, 30_000, () => 0), Math.round(exp / 2));
    assert.ok(backoffDelay(n, 200, 30_000, () => 0.999999) <= exp);
  }
});

test('stop aborts running handlers, waits for them and drops queued work', async () => {
  const seen: string[] = [];
  let aborted = false;
  const q = new WorkQueue<string>(async (key, signal) => {
    seen.push(key);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => {
      aborted = true;
      resolve();
    }));
  }, { concurrency: 1 });
  q.start();
  q.add('volume/a');
  q.add('volume/b');
  await tick();
  await q.stop();
  assert.equal(aborted, true);
  assert.deepEqual(seen, ['volume/a']);
  q.add('volume/c');
  await tick();
  assert.deepEqual(seen, ['volume/a']);
});

test('reconciles in flight share the queue signal without a listener-leak warning', async () => {
  // Four workers, each with four commands listening for the abort (execa's cancelSignal, the process limit):
  // 16 listeners on one signal, each removed when its command ends. Node's default of 10 would warn.
  let fired = 0;
  const warnings = await warningsDuring(async () => {
    const q = new WorkQueue<string>(async (_key, signal) => {
      await Promise.all(Array.from({ length: 4 }, () => new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          fired++;
          resolve();
        }, { once: true });
      })));
    }, { concurrency: 4 });
    q.start();
    for (let i = 0; i < 4; i++) q.add(`volume/v${i}`);
    await tick();
    await q.stop();
  });
  assert.equal(fired, 16, 'every listener saw the abort');
  assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
});

/**
 * WatchOrder decides which copy is newest from watch order alone. The resourceVersions here are opaque
 * and deliberately not increasing ("zz" before "aa"), so any numeric or lexical comparison would fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatchOrder } from '../../../src/store/kube/watch-order.js';

test('watch events apply in the order they arrive, whatever their resourceVersions look like', () => {
  const o = new WatchOrder();
  assert.equal(o.watched('v', 'zz'), 'apply');
  assert.equal(o.watched('v', 'aa'), 'apply');
  assert.equal(o.watched('v', 'k9'), 'apply');
});

test('a write answer the watch already delivered is stale and is not applied', () => {
  const o = new WatchOrder();
  const epoch = o.epoch;
  o.watched('v', 'zz'); // the write's own echo
  o.watched('v', 'aa'); // someone else's later change
  assert.equal(o.answered('v', 'zz', epoch), 'ignore');
  assert.equal(o.watched('v', 'b1'), 'apply', 'nothing is left waiting');
});

test('after a write answer the watch has not delivered, older events are ignored until its echo', () => {
  const o = new WatchOrder();
  const epoch = o.epoch;
  o.watched('v', 'm1');
  assert.equal(o.answered('v', 'c3', epoch), 'apply');
  assert.equal(o.watched('v', 'x7'), 'ignore', 'an event from before the write, delivered late');
  assert.equal(o.watched('v', 'c3'), 'apply', 'the echo');
  assert.equal(o.watched('v', 'a0'), 'apply', 'a change after the write');
});

test('waiting is per object', () => {
  const o = new WatchOrder();
  o.answered('v', 'c3', o.epoch);
  assert.equal(o.watched('w', 'x7'), 'apply');
  assert.equal(o.watched('v', 'x7'), 'ignore');
});

test('a relist during a write makes its answer stale, and clears anything awaited', () => {
  const o = new WatchOrder();
  const before = o.epoch;
  assert.equal(o.answered('v', 'c3', before), 'apply');
  o.relisted();
  assert.equal(o.watched('v', 'x7'), 'apply', 'the list replaced the awaited echo');
  assert.equal(o.answered('w', 'q1', before), 'ignore', 'sent before the relist');
  assert.equal(o.answered('w', 'q2', o.epoch), 'apply');
});

test('a deletion forgets the object: a new one of the same name starts fresh', () => {
  const o = new WatchOrder();
  o.answered('v', 'c3', o.epoch);
  o.deleted('v');
  assert.equal(o.watched('v', 'x7'), 'apply');
});

test('an echo that never comes stops being awaited after a bounded number of events', () => {
  const o = new WatchOrder();
  o.answered('v', 'lost', o.epoch);
  let applied = -1;
  for (let i = 0; i < 100 && applied < 0; i++) if (o.watched('v', `e${i}`) === 'apply') applied = i;
  assert.ok(applied > 0 && applied <= 32, `applied again after ${applied} events`);
});

test('an answer without a resourceVersion is never applied', () => {
  const o = new WatchOrder();
  assert.equal(o.answered('v', undefined, o.epoch), 'ignore');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedLocks } from '../../src/grpc/locks.js';

test('a held key refuses a second acquire until released', () => {
  const locks = new KeyedLocks();
  const release = locks.tryAcquire(['volume:a']);
  assert.ok(release);
  assert.equal(locks.tryAcquire(['volume:a']), undefined);
  release();
  const again = locks.tryAcquire(['volume:a']);
  assert.ok(again);
  again();
  assert.equal(locks.size, 0);
});

test('acquisition is all-or-nothing: a partial overlap takes no key', () => {
  const locks = new KeyedLocks();
  const first = locks.tryAcquire(['b']);
  assert.ok(first);
  assert.equal(locks.tryAcquire(['a', 'b', 'c']), undefined);
  assert.equal(locks.size, 1, 'a and c must not stay held after the failed attempt');
  const onlyA = locks.tryAcquire(['a']);
  assert.ok(onlyA, 'a is free again');
  onlyA();
  assert.equal(locks.firstHeld(['a', 'b', 'c']), 'b');
});

test('disjoint keys are independent; duplicate keys in one request are fine', () => {
  const locks = new KeyedLocks();
  const one = locks.tryAcquire(['x', 'x']);
  const two = locks.tryAcquire(['y']);
  assert.ok(one && two);
  assert.equal(locks.size, 2);
  one();
  assert.equal(locks.firstHeld(['x', 'y']), 'y');
  two();
  assert.equal(locks.size, 0);
});

test('release is idempotent and never frees a key re-taken by someone else', () => {
  const locks = new KeyedLocks();
  const first = locks.tryAcquire(['k']);
  assert.ok(first);
  first();
  const second = locks.tryAcquire(['k']);
  assert.ok(second);
  first(); // a stale second release from the first holder
  assert.equal(locks.tryAcquire(['k']), undefined, 'k still belongs to the second holder');
  second();
});

test('an empty key list always succeeds', () => {
  const locks = new KeyedLocks();
  const release = locks.tryAcquire([]);
  assert.ok(release);
  release();
});

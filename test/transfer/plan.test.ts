import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSend } from '../../src/transfer/plan.js';

// Issue #8: the sender's choice from the receiver's haves, by guid, never by name.
const s = (name: string, guid: string): { name: string; guid: string } => ({ name, guid });
const chain = [s('a', '1'), s('b', '2'), s('c', '3'), s('d', '4')];

test('nothing held: a full stream', () => {
  assert.deepEqual(planSend(chain, s('d', '4'), []), { kind: 'full' });
});

test('the snapshot already held: nothing to send', () => {
  assert.deepEqual(planSend(chain, s('b', '2'), ['1', '2']), { kind: 'present' });
});

test('one common snapshot, and several: the newest older one is the base', () => {
  assert.deepEqual(planSend(chain, s('d', '4'), ['1']), { kind: 'incremental', base: s('a', '1') });
  assert.deepEqual(planSend(chain, s('d', '4'), ['1', '2', '3']), { kind: 'incremental', base: s('c', '3') });
});

test('a guid match counts, a name match does not', () => {
  const renamed = [s('a', '1'), s('b', '99'), s('d', '4')];
  assert.deepEqual(planSend(renamed, s('d', '4'), ['1', '2']).kind, 'diverged', 'b on the target is not the same b');
  assert.deepEqual(planSend(chain, s('d', '4'), ['7']).kind, 'diverged', 'nothing in common');
});

test('a receiver with snapshots past the base is diverged: the stream would overwrite them', () => {
  const plan = planSend(chain, s('c', '3'), ['1', '4']);
  assert.equal(plan.kind, 'diverged');
  assert.match(plan.kind === 'diverged' ? plan.reason : '', /newer than the common snapshot a/);
  assert.equal(planSend(chain, s('d', '4'), ['1', '55']).kind, 'diverged', 'an unknown newer snapshot on the target');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeld, heldText } from '../../src/app/ctl/held-commands.js';

const entry = {
  volumeId: 'vol-aaaaaaaaaaaaaaaaaaaa', dataset: 'tank/k8s/vol-aaaaaaaaaaaaaaaaaaaa', parent: 'tank/k8s', policy: 'destroy',
  reason: 'held', snapshots: ['tank/k8s/vol-aaaaaaaaaaaaaaaaaaaa@autosnap_1', 'tank/k8s/vol-aaaaaaaaaaaaaaaaaaaa@autosnap_2'], usedBytes: '1048576',
};

test('held-volumes: each held volume with its size, reason, snapshots and what frees it', () => {
  const text = heldText(decodeHeld({ held: [entry] }));
  const [header, row] = text.split('\n');
  assert.match(header ?? '', /^VOLUME ID +DATASET +USED +REASON +SNAPSHOTS +TO FREE IT$/);
  assert.match(row ?? '', /^vol-a{20} +tank\/k8s\/vol-a{20} +1\.0 MiB \(1048576\) +held +@autosnap_1 @autosnap_2 +zfs release the holds/);
  assert.equal(heldText([]), 'no deleted volume is kept by foreign snapshots');
});

test('held-volumes: an answer of another shape is INTERNAL, never printed half', () => {
  for (const body of [{}, { held: {} }, { held: [{ ...entry, snapshots: 'x' }] }, { held: [{ ...entry, usedBytes: 1 }] }]) {
    assert.throws(() => decodeHeld(body), /held-volumes answer/);
  }
});

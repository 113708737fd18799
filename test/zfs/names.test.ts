import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ZfsError } from '../../src/zfs/errors.js';
import {
  assertDatasetName,
  assertName,
  assertPoolName,
  assertSnapshotName,
  assertUnder,
  datasetOf,
  isUnder,
  isValidName,
} from '../../src/zfs/names.js';

const rejectsInvalid = (fn: () => unknown): void => {
  assert.throws(fn, (err: unknown) => err instanceof ZfsError && err.kind === 'invalid' && err.code === 'INVALID_ARGUMENT');
};

test('accepts ordinary dataset and snapshot names', () => {
  for (const name of ['zfscsi', 'zfscsi/vols/pvc-0a1b', 'tank/a_b.c:d-e', 'tank/v@snap-1', 'tank/v@clone-x.y']) {
    assert.equal(assertName(name), name);
  }
  assert.equal(assertDatasetName('tank/a'), 'tank/a');
  assert.equal(assertSnapshotName('tank/a@s'), 'tank/a@s');
  assert.equal(assertPoolName('tank'), 'tank');
});

test('rejects names zfs would misread or that escape the tree', () => {
  const bad = [
    '', 'tank/', '/tank', 'tank//a', 'tank/./a', 'tank/../a', 'tank/a..b', 'tank/a%b', 'tank/a,b',
    'tank/a b', 'tank/a\tb', 'tank/a\nb', 'tank/a@', '@s', 'tank/a@s@t', 'tank/a@s/x', '-tank/a', '1tank/a',
    'tank/ä', 'tank/a#b', `tank/${'x'.repeat(251)}`,
  ];
  for (const name of bad) {
    assert.equal(isValidName(name), false, JSON.stringify(name));
    rejectsInvalid(() => assertName(name));
  }
});

test('255 bytes is the limit', () => {
  const at = `tank/${'x'.repeat(250)}`;
  assert.equal(Buffer.byteLength(at), 255);
  assert.equal(isValidName(at), true);
  assert.equal(isValidName(`${at}x`), false);
});

test('kind: datasets have no "@", snapshots have exactly one', () => {
  rejectsInvalid(() => assertDatasetName('tank/a@s'));
  rejectsInvalid(() => assertSnapshotName('tank/a'));
  rejectsInvalid(() => assertPoolName('tank/a'));
});

test('isUnder / assertUnder: strictly below a parent, never the parent or a sibling prefix', () => {
  assert.equal(isUnder('tank/csi/v1', 'tank/csi'), true);
  assert.equal(isUnder('tank/csi/v1@s', 'tank/csi'), true);
  assert.equal(isUnder('tank/csi/a/b', 'tank/csi'), true);
  assert.equal(isUnder('tank/csi', 'tank/csi'), false);
  assert.equal(isUnder('tank/csi@s', 'tank/csi'), false);
  assert.equal(isUnder('tank/csi2/v1', 'tank/csi'), false);
  assert.equal(assertUnder('tank/b/v', ['tank/a', 'tank/b']), 'tank/b/v');
  rejectsInvalid(() => assertUnder('tank/c/v', ['tank/a', 'tank/b']));
  rejectsInvalid(() => assertUnder('tank/a/v%w', ['tank/a']));
  rejectsInvalid(() => assertUnder('tank/a/v', []));
  assert.equal(datasetOf('tank/a@s'), 'tank/a');
});

const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;

test('property: anything accepted has no %, ",", "..", whitespace or control chars and is <= 255 bytes', () => {
  // An alphabet rich in the characters that matter, so many generated names are accepted.
  const unit = fc.constantFrom(...'ab0_-.:/@%, \t\n\u0000\u007fé'.split(''));
  const check = (name: string): void => {
    if (!isValidName(name)) return;
    assert.ok(!/[%,]/.test(name), name);
    assert.ok(!name.includes('..'), name);
    assert.ok(!CONTROL_OR_SPACE.test(name), name);
    assert.ok(Buffer.byteLength(name) <= 255, name);
    assert.ok(!name.startsWith('-') && !name.split('/').includes(''), name);
  };
  fc.assert(fc.property(fc.string({ unit, maxLength: 300 }), check), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ unit: 'binary-ascii', minLength: 250, maxLength: 300 }), check), { numRuns: 500 });
});

test('property: names built from safe components are accepted', () => {
  const component = fc.stringMatching(/^[a-z0-9_:-][a-z0-9_.:-]{0,10}$/).filter((c) => !c.includes('..') && c !== '.');
  const name = fc.tuple(fc.array(component, { maxLength: 5 }), fc.option(component)).map(([parts, snap]) =>
    `tank${parts.map((p) => `/${p}`).join('')}${snap === null ? '' : `@${snap}`}`,
  );
  fc.assert(fc.property(name, (n) => assert.equal(isValidName(n), true, n)));
});

/** Unit tests of the patch formats: JSON merge patch (RFC 7386) and JSON patch (RFC 6902). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from './json.js';
import { jsonPatch, mergePatch } from './patch.js';
import { ApiError } from './status.js';

describe('merge patch (RFC 7386 examples)', () => {
  const cases: Array<[Json, Json, Json]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(mergePatch(target, patch), expected);
    });
  }

  it('does not modify its input', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    assert.deepEqual(target, { a: { b: 1 } });
  });
});

describe('JSON patch', () => {
  const doc: Json = { metadata: { finalizers: ['a', 'b'], 'x/y': 1, 'm~n': 2 }, spec: { size: 1 } };

  it('applies add, remove, replace, move, copy and test in order', () => {
    const out = jsonPatch(doc, [
      { op: 'test', path: '/spec/size', value: 1 },
      { op: 'add', path: '/metadata/finalizers/-', value: 'c' },
      { op: 'add', path: '/metadata/finalizers/0', value: 'z' },
      { op: 'remove', path: '/metadata/finalizers/1' },
      { op: 'replace', path: '/spec/size', value: 2 },
      { op: 'copy', from: '/spec/size', path: '/spec/limit' },
      { op: 'move', from: '/metadata/x~1y', path: '/spec/moved' },
      { op: 'remove', path: '/metadata/m~0n' },
    ]);
    assert.deepEqual(out, { metadata: { finalizers: ['z', 'b', 'c'] }, spec: { size: 2, limit: 2, moved: 1 } });
    assert.deepEqual(doc, { metadata: { finalizers: ['a', 'b'], 'x/y': 1, 'm~n': 2 }, spec: { size: 1 } }, 'input untouched');
  });

  const unprocessable = (err: unknown) => err instanceof ApiError && err.code === 422;
  const malformed = (err: unknown) => err instanceof ApiError && err.code === 400;

  it('answers 422 for a failed test and for paths that do not exist', () => {
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/spec/size', value: 2 }]), unprocessable);
    assert.throws(() => jsonPatch(doc, [{ op: 'replace', path: '/spec/missing', value: 2 }]), unprocessable);
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/metadata/finalizers/5' }]), unprocessable);
    assert.throws(() => jsonPatch(doc, [{ op: 'add', path: '/nope/deeper', value: 1 }]), unprocessable);
  });

  it('answers 400 for a malformed patch document', () => {
    assert.throws(() => jsonPatch(doc, { op: 'add' }), malformed);
    assert.throws(() => jsonPatch(doc, [{ op: 'frobnicate', path: '/a' }]), malformed);
    assert.throws(() => jsonPatch(doc, [{ op: 'add', path: '/a' }]), malformed);
    assert.throws(() => jsonPatch(doc, [{ op: 'add', path: 'a', value: 1 }]), malformed);
  });
});

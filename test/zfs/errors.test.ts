import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, describeError } from '../../src/domain/errors.js';
import { ZFS_ERROR_CODES, ZFS_ERROR_KINDS, ZfsError, isZfsError } from '../../src/zfs/errors.js';

test('every kind maps to the code of the one table', () => {
  const expected = {
    not_found: 'NOT_FOUND',
    exists: 'ALREADY_EXISTS',
    busy: 'ABORTED',
    dependents: 'FAILED_PRECONDITION',
    no_space: 'RESOURCE_EXHAUSTED',
    pool_unavailable: 'UNAVAILABLE',
    invalid: 'INVALID_ARGUMENT',
    timeout: 'DEADLINE_EXCEEDED',
    cancelled: 'ABORTED',
    unknown: 'INTERNAL',
  } as const;
  assert.deepEqual(ZFS_ERROR_CODES, expected);
  for (const kind of ZFS_ERROR_KINDS) {
    const err = new ZfsError(kind, 'x');
    assert.equal(err.code, expected[kind]);
    assert.equal(err.kind, kind);
  }
});

test('a ZfsError is a DriverError that keeps argv and stderr for logs', () => {
  const err = new ZfsError('busy', 'zfs destroy p/a: dataset is busy', {
    argv: ['/sbin/zfs', 'destroy', 'p/a'],
    stderr: "cannot destroy 'p/a': dataset is busy\n",
  });
  assert.ok(err instanceof DriverError);
  assert.equal(err.name, 'ZfsError');
  assert.deepEqual(err.argv, ['/sbin/zfs', 'destroy', 'p/a']);
  assert.match(err.stderr, /dataset is busy/);
  assert.deepEqual(describeError(err), { code: 'ABORTED', message: 'zfs destroy p/a: dataset is busy' });
});

test('isZfsError filters by kind', () => {
  const err = new ZfsError('not_found', 'gone');
  assert.equal(isZfsError(err), true);
  assert.equal(isZfsError(err, 'not_found', 'exists'), true);
  assert.equal(isZfsError(err, 'busy'), false);
  assert.equal(isZfsError(new Error('x')), false);
});

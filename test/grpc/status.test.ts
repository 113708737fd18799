import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { DriverError, ERROR_CODES, type ErrorCode } from '../../src/domain/errors.js';
import { grpcCode, toGrpcError, toStatusObject } from '../../src/grpc/status.js';

test('every driver code maps to the gRPC status of the same name', () => {
  for (const code of ERROR_CODES) {
    assert.equal(grpcCode(code), status[code], code);
    assert.equal(status[grpcCode(code)], code);
  }
  assert.equal(grpcCode('NOT_FOUND'), 5);
  assert.equal(grpcCode('ALREADY_EXISTS'), 6);
  assert.equal(grpcCode('ABORTED'), 10);
});

test('a DriverError keeps its code and message', () => {
  const mapped = toGrpcError(new DriverError('RESOURCE_EXHAUSTED', 'pool zfscsi is full'));
  assert.deepEqual(mapped, { code: status.RESOURCE_EXHAUSTED, codeName: 'RESOURCE_EXHAUSTED', details: 'pool zfscsi is full' });
  assert.deepEqual(toStatusObject(new DriverError('NOT_FOUND', 'no volume v1')), {
    code: status.NOT_FOUND,
    details: 'no volume v1',
  });
});

test('anything untyped is INTERNAL, never UNKNOWN', () => {
  for (const thrown of [new Error('boom'), new TypeError('x is undefined'), 'a string', 42, undefined, null, {}]) {
    const mapped = toGrpcError(thrown);
    assert.equal(mapped.code, status.INTERNAL, String(thrown));
    assert.notEqual(mapped.code, status.UNKNOWN);
    assert.ok(mapped.details.length > 0, 'the CSI spec wants a message on every error');
  }
  assert.equal(toGrpcError(new Error('boom')).details, 'boom');
});

test('a DriverError with a forged code or empty message still yields a sane status', () => {
  const forged = new DriverError('NOT_A_CODE' as ErrorCode, 'odd');
  assert.equal(toGrpcError(forged).code, status.INTERNAL);
  const empty = toGrpcError(new DriverError('ABORTED', ''));
  assert.equal(empty.code, status.ABORTED);
  assert.equal(empty.details, 'ABORTED');
});

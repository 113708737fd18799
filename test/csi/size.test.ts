import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import {
  DEFAULT_CAPACITY_BYTES,
  capacityBytes,
  parseCapacityRange,
  parseInt64,
  withinRange,
} from '../../src/csi/size.js';

const GiB = 1n << 30n;

function invalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof DriverError && err.code === 'INVALID_ARGUMENT');
}

describe('capacity ranges', () => {
  it('no range → the default (1 GiB)', () => {
    assert.equal(DEFAULT_CAPACITY_BYTES, GiB);
    assert.equal(capacityBytes(null), GiB);
    assert.equal(capacityBytes({ required_bytes: '0', limit_bytes: '0' }), GiB);
    assert.equal(capacityBytes(undefined, 5n), 5n);
  });

  it('required bytes are honoured exactly', () => {
    assert.equal(capacityBytes({ required_bytes: '5368709120', limit_bytes: '0' }), 5n * GiB);
    assert.equal(capacityBytes({ required_bytes: '100', limit_bytes: '100' }), 100n);
  });

  it('only a limit → min(default, limit)', () => {
    assert.equal(capacityBytes({ required_bytes: '0', limit_bytes: '1048576' }), 1048576n);
    assert.equal(capacityBytes({ required_bytes: '0', limit_bytes: String(10n * GiB) }), GiB);
  });

  it('negative or inverted ranges are INVALID_ARGUMENT', () => {
    invalid(() => capacityBytes({ required_bytes: '-1', limit_bytes: '0' }));
    invalid(() => capacityBytes({ required_bytes: '0', limit_bytes: '-5' }));
    invalid(() => capacityBytes({ required_bytes: '10', limit_bytes: '5' }));
    invalid(() => capacityBytes({ required_bytes: '1e3', limit_bytes: '0' }));
  });

  it('int64 decoding handles the whole range and nothing beyond', () => {
    assert.equal(parseInt64('9223372036854775807', 'f'), (1n << 63n) - 1n);
    invalid(() => parseInt64('9223372036854775808', 'f'));
    assert.equal(parseInt64(42, 'f'), 42n);
    assert.equal(parseInt64('', 'f'), 0n);
  });

  it('withinRange checks both bounds, 0 meaning unset', () => {
    const r = parseCapacityRange({ required_bytes: '10', limit_bytes: '20' });
    assert.ok(withinRange(10n, r));
    assert.ok(withinRange(20n, r));
    assert.ok(!withinRange(9n, r));
    assert.ok(!withinRange(21n, r));
    assert.ok(withinRange(1n << 50n, parseCapacityRange({ required_bytes: '10', limit_bytes: '0' })));
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { parseListenAddress } from '../../src/metrics/address.js';

test('host:port, [ipv6]:port and :port parse', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:9808'), { host: '127.0.0.1', port: 9808 });
  assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9808'), { host: '::1', port: 9808 });
  assert.deepEqual(parseListenAddress(':9808'), { host: '', port: 9808 });
});

test('anything else is INVALID_ARGUMENT', () => {
  for (const bad of ['9808', '127.0.0.1', 'host:port', 'a:70000', '::1:9808', 'http://x:1', '']) {
    assert.throws(() => parseListenAddress(bad), (err: unknown) => err instanceof DriverError && err.code === 'INVALID_ARGUMENT', bad);
  }
});

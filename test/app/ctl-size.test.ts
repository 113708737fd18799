import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, parseSize, SizeError } from '../../src/app/ctl/size.js';

test('parseSize: binary and decimal suffixes, plain bytes', () => {
  assert.equal(parseSize('1073741824'), 1073741824n);
  assert.equal(parseSize('1Gi'), 1n << 30n);
  assert.equal(parseSize('512Mi'), 512n << 20n);
  assert.equal(parseSize('10G'), 10_000_000_000n);
  assert.equal(parseSize('4k'), 4000n);
  assert.equal(parseSize('3Ki'), 3072n);
  assert.equal(parseSize('2Ti'), 2n << 40n);
  assert.equal(parseSize('0'), 0n);
  assert.equal(parseSize(' 1Gi '), 1n << 30n);
});

test('parseSize: fractions are exact in bigint, and must come out as whole bytes', () => {
  assert.equal(parseSize('1.5Gi'), 3n << 29n);
  assert.equal(parseSize('0.5Ki'), 512n);
  assert.throws(() => parseSize('1.5'), SizeError);
  assert.throws(() => parseSize('0.3Ki'), SizeError); // 307.2 bytes
});

test('parseSize: beyond float precision stays exact', () => {
  assert.equal(parseSize('9007199254740993'), 9007199254740993n);
  assert.equal(parseSize('7Ei'), 7n << 60n);
  assert.throws(() => parseSize('8Ei'), /int64/); // 2^63 does not fit CSI's int64
});

test('parseSize: rejects what is not a size', () => {
  for (const bad of ['', 'Gi', '-1Gi', '1 Gib', '1GB', '1e9', '0x10', '1,5Gi', '1Xi', 'one']) {
    assert.throws(() => parseSize(bad), SizeError, bad);
  }
});

test('formatSize: one decimal in the largest binary unit, with the exact bytes', () => {
  assert.equal(formatSize(1n << 30n), '1.0 GiB (1073741824)');
  assert.equal(formatSize('2147483648'), '2.0 GiB (2147483648)');
  assert.equal(formatSize(1536n), '1.5 KiB (1536)');
  assert.equal(formatSize(1024n * 1024n - 1n), '1024.0 KiB (1048575)');
  assert.equal(formatSize(5n << 28n), '1.3 GiB (1342177280)'); // 1.25 rounds half up
  assert.equal(formatSize(512), '512 B');
  assert.equal(formatSize('0'), '0 B');
  assert.equal(formatSize((1n << 63n) - 1n), '8.0 EiB (9223372036854775807)');
});

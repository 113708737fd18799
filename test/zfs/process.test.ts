import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess } from '../../src/zfs/process.js';

const NODE = process.execPath;
const opts = { env: { LC_ALL: 'C' }, timeoutMs: 10_000 };

test('stdout and stderr are captured with one trailing newline removed, and the exit code kept', async () => {
  const r = await runProcess(NODE, ['-e', 'process.stdout.write("a\\nb\\n\\n"); process.stderr.write("oops\\n"); process.exit(3)'], opts);
  assert.equal(r.stdout, 'a\nb\n');
  assert.equal(r.stderr, 'oops');
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  assert.equal(r.isCanceled, false);
  assert.equal(r.error, undefined);
});

test('the environment is the driver\'s plus the given variables', async () => {
  const r = await runProcess('/usr/bin/env', [], { ...opts, env: { LC_ALL: 'C', ZFS_CSI_PROBE: 'x' } });
  assert.match(r.stdout, /^LC_ALL=C$/m);
  assert.match(r.stdout, /^ZFS_CSI_PROBE=x$/m);
  assert.match(r.stdout, /^PATH=/m);
});

test('captureStdout false sends stdout nowhere and still keeps stderr', async () => {
  const r = await runProcess(NODE, ['-e', 'process.stdout.write("big"); process.stderr.write("why")'], { ...opts, captureStdout: false });
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'why');
  assert.equal(r.exitCode, 0);
});

test('a binary that cannot start answers at once with its reason and no exit code', async () => {
  const r = await runProcess('/nonexistent/zfs', ['list'], opts);
  assert.equal(r.exitCode, undefined);
  assert.match(r.error?.message ?? '', /ENOENT/);
});

test('an already aborted signal starts nothing; an abort later kills the process', async () => {
  const aborted = AbortSignal.abort();
  const r0 = await runProcess('/bin/sleep', ['5'], { ...opts, signal: aborted });
  assert.equal(r0.isCanceled, true);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = performance.now();
  const r = await runProcess('/bin/sleep', ['5'], { ...opts, signal: controller.signal });
  assert.equal(r.isCanceled, true);
  assert.equal(r.exitCode, undefined, 'killed by a signal');
  assert.ok(performance.now() - started < 3_000);
});

test('output over the cap kills the process and says so', async () => {
  const r = await runProcess('/usr/bin/yes', [], { ...opts, maxOutputBytes: 64 * 1024 });
  assert.match(r.error?.message ?? '', /output over 65536 bytes/);
  assert.equal(r.exitCode, undefined);
  assert.ok(r.stdout.length <= 64 * 1024);
});

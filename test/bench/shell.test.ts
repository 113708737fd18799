import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quote, ShellPool } from './shell.js';

test('quote keeps any argument one word, verbatim', () => {
  assert.equal(quote("a b"), "'a b'");
  assert.equal(quote("it's"), `'it'\\''s'`);
});

test('a command runs from bash with its argv verbatim, timed there, with exit code and stderr', async () => {
  const shells = new ShellPool();
  try {
    // Expanded or split by the shell, the argument would not arrive 15 characters long.
    const tricky = "$(id); ls 'x y'";
    const ok = await shells.run(['/bin/sh', '-c', `test "\${#1}" -eq ${tricky.length}`, 'sh', tricky]);
    assert.equal(ok.exitCode, 0, 'the argument reached the command untouched');
    assert.equal(ok.stderr, '');
    const slow = await shells.run(['/bin/sleep', '0.2']);
    assert.ok(slow.ms >= 190 && slow.ms < 2_000, `sleep 0.2 timed as ${slow.ms} ms`);
    const bad = await shells.run(['/bin/sh', '-c', 'echo "no such dataset" >&2; exit 3']);
    assert.equal(bad.exitCode, 3);
    assert.equal(bad.stderr.trim(), 'no such dataset');
    const again = await shells.run(['/bin/true']);
    assert.equal(again.stderr, '', 'stderr of an earlier command is not reported again');
  } finally {
    shells.close();
  }
});

test('a pipeline passes data through a pipe and fails when any stage fails', async () => {
  const shells = new ShellPool();
  try {
    const ok = await shells.run(['/bin/echo', 'hello'], ['/bin/grep', '-q', 'hello']);
    assert.equal(ok.exitCode, 0);
    const first = await shells.run(['/bin/sh', '-c', 'echo send failed >&2; exit 1'], ['/bin/cat']);
    assert.equal(first.exitCode, 1, 'pipefail: the sender failing fails the pipe');
    assert.match(first.stderr, /send failed/);
  } finally {
    shells.close();
  }
});

test('warm starts shells beforehand so that a burst runs at once', async () => {
  const shells = new ShellPool();
  try {
    await shells.warm(4);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 4 }, () => shells.run(['/bin/sleep', '0.3'])));
    const wall = performance.now() - started;
    assert.ok(results.every((r) => r.exitCode === 0));
    assert.ok(wall < 1_000, `four 0.3 s sleeps took ${wall} ms: they ran side by side`);
  } finally {
    shells.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecaRunner, outcomeKind, type CommandEvent } from '../../src/zfs/exec.js';
import { ZfsError } from '../../src/zfs/errors.js';

/** Real, harmless processes stand in for zfs: node prints a zfs message and exits like zfs would. */
const NODE = process.execPath;
const fakeZfs = (stderr: string, code: number): string[] => [
  '-e',
  `process.stderr.write(${JSON.stringify(stderr)}); process.exit(${code})`,
];

test('outcomeKind: success, cancel, timeout, spawn failure, classified stderr', () => {
  const base = { failed: false, timedOut: false, isCanceled: false, exitCode: 0, stderr: '' };
  assert.equal(outcomeKind(base), undefined);
  assert.equal(outcomeKind({ ...base, failed: true, isCanceled: true, exitCode: undefined }), 'cancelled');
  assert.equal(outcomeKind({ ...base, failed: true, timedOut: true, exitCode: undefined }), 'timeout');
  assert.equal(outcomeKind({ ...base, failed: true, exitCode: undefined }), 'unknown');
  assert.equal(outcomeKind({ ...base, failed: true, exitCode: 1, stderr: "cannot destroy 'p/a': dataset is busy" }), 'busy');
});

test('runs argv with the prefix before the binary and LC_ALL=C, and reports each command', async () => {
  const events: CommandEvent[] = [];
  const runner = new ExecaRunner({ prefix: ['/usr/bin/env'], onCommand: (e) => events.push(e) });
  const { stdout } = await runner.run('/usr/bin/env', []);
  assert.match(stdout, /^LC_ALL=C$/m);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.argv, ['/usr/bin/env', '/usr/bin/env']);
  assert.equal(events[0]!.ok, true);
  assert.equal(events[0]!.kind, undefined);
  assert.ok(events[0]!.durationMs >= 0);
});

test('arguments are passed verbatim, never through a shell', async () => {
  const runner = new ExecaRunner();
  const { stdout } = await runner.run('/bin/echo', ['$(id)', '; ls', "'a b'"]);
  assert.equal(stdout, "$(id) ; ls 'a b'");
});

test('a failing command becomes a classified ZfsError with argv and stderr; the observer sees the kind', async () => {
  const events: CommandEvent[] = [];
  const runner = new ExecaRunner({ onCommand: (e) => events.push(e) });
  const stderr = "cannot open 'p/x': dataset does not exist\n";
  await assert.rejects(runner.run(NODE, fakeZfs(stderr, 1)), (err: unknown) => {
    assert.ok(err instanceof ZfsError);
    assert.equal(err.kind, 'not_found');
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.argv[0], NODE);
    assert.equal(err.stderr, stderr.trimEnd());
    assert.match(err.message, /dataset does not exist/);
    return true;
  });
  assert.deepEqual(
    events.map((e) => [e.ok, e.kind]),
    [[false, 'not_found']],
  );
});

test('timeout → timeout kind (DEADLINE_EXCEEDED)', async () => {
  const runner = new ExecaRunner({ timeoutMs: 100 });
  const started = performance.now();
  await assert.rejects(runner.run('/bin/sleep', ['5']), (err: unknown) => err instanceof ZfsError && err.kind === 'timeout' && err.code === 'DEADLINE_EXCEEDED');
  assert.ok(performance.now() - started < 3_000);
});

test("the caller's AbortSignal kills the process → cancelled (ABORTED)", async () => {
  const runner = new ExecaRunner();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = performance.now();
  await assert.rejects(runner.run('/bin/sleep', ['5'], controller.signal), (err: unknown) => err instanceof ZfsError && err.kind === 'cancelled');
  assert.ok(performance.now() - started < 3_000);
});

test('concurrency bounds the processes running at once', async () => {
  const runner = new ExecaRunner({ concurrency: 1 });
  const started = performance.now();
  await Promise.all([runner.run('/bin/sleep', ['0.2']), runner.run('/bin/sleep', ['0.2'])]);
  assert.ok(performance.now() - started >= 390, 'two 0.2 s commands ran one after the other');
});

test('relative binaries are refused; a missing binary is unknown (INTERNAL)', async () => {
  const runner = new ExecaRunner();
  await assert.rejects(runner.run('zfs', ['list']), (err: unknown) => err instanceof ZfsError && err.kind === 'invalid');
  await assert.rejects(runner.run('/nonexistent/zfs', ['list']), (err: unknown) => err instanceof ZfsError && err.kind === 'unknown');
});

test('an observer that throws does not change the outcome', async () => {
  const runner = new ExecaRunner({
    onCommand: () => {
      throw new Error('metrics broke');
    },
  });
  assert.equal((await runner.run('/bin/echo', ['ok'])).stdout, 'ok');
});

/** The call trace (issue #9): spans reach the call they ran under, across awaits, and nothing else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallTrace, detached, span, spanSync, withTrace } from '../../src/trace/trace.js';
import { breakdown, parseTraceLine } from '../bench/trace.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('spans land in the trace of the call they ran under, even when two calls interleave', async () => {
  const a = new CallTrace('A');
  const b = new CallTrace('B');
  await Promise.all([
    withTrace(a, async () => {
      await span('zfs create', () => tick(20));
      spanSync('log', () => undefined);
    }),
    withTrace(b, () => span('zfs get', () => tick(5))),
  ]);
  assert.deepEqual(a.spans.map((s) => s.name), ['zfs create', 'log']);
  assert.deepEqual(b.spans.map((s) => s.name), ['zfs get']);
  assert.ok((a.spans[0]?.ms ?? 0) >= 15, 'the span measured the awaited work');
});

test('outside a call nothing is recorded and the work still runs', async () => {
  assert.equal(await span('x', () => Promise.resolve(7)), 7);
  assert.equal(spanSync('y', () => 8), 8);
});

test('a failing span is still recorded, and the failure passes through', async () => {
  const t = new CallTrace('C');
  await assert.rejects(withTrace(t, () => span('zfs destroy', () => Promise.reject(new Error('busy')))), /busy/);
  assert.deepEqual(t.spans.map((s) => s.name), ['zfs destroy']);
});

test('the bench decodes trace lines and splits a call into its phases', () => {
  const line = JSON.stringify({ trace: { method: 'Controller.CreateVolume', code: 'OK', totalMs: 10, spans: [
    { name: 'log (call started)', ms: 1 }, { name: 'handler', ms: 8 }, { name: 'exec zfs create', ms: 6 }, { name: 'log (call finished)', ms: 0.5 },
  ] } });
  const t = parseTraceLine(line);
  assert.ok(t);
  assert.equal(parseTraceLine('{"level":"warn"}'), undefined);
  const out = breakdown('CreateVolume', [t], 'Controller.CreateVolume', 12).join('\n');
  assert.match(out, /decoding 2\.00 \+ server 10\.00/);
  assert.match(out, /logging 1\.50 \+ handler 8\.00 \+ adapter rest 0\.50/);
  assert.match(out, /exec zfs create 6\.00 \(1\.0×\)/);
  assert.match(out, /beyond those 2\.00/);
});

test('a trace line says when the call started, and the bench splits the transport into its two legs', async () => {
  const before = performance.timeOrigin + performance.now();
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stderr.write;
  try {
    new CallTrace('Controller.CreateVolume').finish('OK');
  } finally {
    process.stderr.write = write;
  }
  const t = parseTraceLine(lines[0]?.trim() ?? '');
  assert.ok(t && t.at >= before - 1 && t.at <= performance.timeOrigin + performance.now() + 1, 'at is the epoch ms of the start');
  const call = { ...t, totalMs: 10, spans: [] };
  const out = breakdown('CreateVolume', [call], 'Controller.CreateVolume', 16, [t.at - 2.5]).join('\n');
  assert.match(out, /decoding 6\.00 \(before the handler 2\.50, after it 3\.50\) \+ server 10\.00/);
  assert.doesNotMatch(breakdown('CreateVolume', [call], 'Controller.CreateVolume', 16, []).join('\n'), /before the handler/);
});

test('work detached from a call records no span in it, though it runs while the call does', async () => {
  const t = new CallTrace('D');
  await withTrace(t, async () => {
    await detached(() => span('refresh', () => tick(5)));
    await span('zfs create', () => tick(1));
  });
  assert.deepEqual(t.spans.map((s) => s.name), ['zfs create']);
});

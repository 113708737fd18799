import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Channel, MAX_FRAME_BYTES } from '../../src/transfer/channel.js';
import { TransferError } from '../../src/transfer/errors.js';

const frame = (data: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length, 0);
  return Buffer.concat([header, data]);
};

/** Reads frames until the end frame; their data joined. */
async function readAll(channel: Channel): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let f = await channel.readFrame(); f !== null; f = await channel.readFrame()) parts.push(...f);
  return Buffer.concat(parts);
}

test('a message and frames cut at every boundary, headers included, read back intact', async () => {
  const a = randomBytes(3000);
  const b = randomBytes(5);
  const wire = Buffer.concat([Buffer.from('{"type":"start"}\n'), frame(a), frame(b), Buffer.alloc(4)]);
  const socket = new PassThrough();
  const channel = new Channel(socket);
  // Uneven pieces, so the newline, both headers and the data straddle chunks.
  for (let at = 0, step = 1; at < wire.length; at += step, step = (step % 7) + 1) socket.write(wire.subarray(at, at + step));
  assert.deepEqual(await channel.readMessage(), { type: 'start' });
  assert.deepEqual(await readAll(channel), Buffer.concat([a, b]));
});

test('what the writer sends, the reader gets: large data split into frames, then the end', async () => {
  const socket = new PassThrough({ highWaterMark: 64 * 1024 });
  const writer = new Channel(socket);
  const reader = new Channel(socket);
  const data = randomBytes(2 * MAX_FRAME_BYTES + 12345);
  const writing = (async () => {
    await writer.writeMessage('{"n":1}');
    await writer.writeFrame(data);
    await writer.writeEnd();
  })();
  assert.deepEqual(await reader.readMessage(), { n: 1 });
  assert.deepEqual(await readAll(reader), data);
  await writing;
});

test('a connection that ends inside a frame is an error, never a finished stream', async () => {
  const socket = new PassThrough();
  const channel = new Channel(socket);
  socket.end(frame(randomBytes(100)).subarray(0, 50));
  await assert.rejects(channel.readFrame(), (err: unknown) => err instanceof TransferError && err.code === 'UNAVAILABLE');
});

test('a frame longer than the limit is refused before its data is awaited', async () => {
  const socket = new PassThrough();
  const channel = new Channel(socket);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
  socket.write(header);
  await assert.rejects(channel.readFrame(), (err: unknown) => err instanceof TransferError && err.code === 'INVALID_ARGUMENT');
});

test('a connection that ends inside a header, or between frames without the end frame, is an error', async () => {
  for (const wire of [frame(randomBytes(10)).subarray(0, 2), frame(randomBytes(10))]) {
    const socket = new PassThrough();
    const channel = new Channel(socket);
    socket.end(wire);
    const reading = (async () => {
      for (;;) if ((await channel.readFrame()) === null) return 'end frame';
    })();
    await assert.rejects(reading, (err: unknown) => err instanceof TransferError && err.code === 'UNAVAILABLE');
  }
});

test('a socket error while a frame is awaited is an error naming it', async () => {
  const socket = new PassThrough();
  const channel = new Channel(socket);
  socket.write(frame(randomBytes(100)).subarray(0, 60));
  const reading = channel.readFrame();
  socket.destroy(new Error('connection reset'));
  await assert.rejects(reading, (err: unknown) => err instanceof TransferError && err.code === 'UNAVAILABLE' && /connection reset/.test(err.message));
});

test('writeParts: the parts go out as one frame; an empty or oversized frame is refused before anything is written', async () => {
  const socket = new PassThrough();
  const writer = new Channel(socket);
  const a = randomBytes(700);
  const b = randomBytes(300);
  assert.equal(writer.writeParts([a, b], 1000), true);
  assert.throws(() => writer.writeParts([], 0), RangeError);
  assert.throws(() => writer.writeParts([Buffer.alloc(MAX_FRAME_BYTES + 1)], MAX_FRAME_BYTES + 1), RangeError);
  await writer.writeEnd();
  const reader = new Channel(socket);
  assert.deepEqual(Buffer.concat((await reader.readFrame()) ?? []), Buffer.concat([a, b]));
  assert.equal(await reader.readFrame(), null);
});

test('the reader stops taking from the socket a bounded amount ahead of its consumer (back-pressure)', async () => {
  const socket = new PassThrough({ highWaterMark: 64 * 1024 });
  const channel = new Channel(socket);
  const writer = new Channel(socket);
  const piece = randomBytes(MAX_FRAME_BYTES);
  let written = 0;
  const writing = (async () => {
    for (let i = 0; i < 16; i++) {
      if (!writer.writeParts([piece], piece.length)) await writer.drained();
      written++;
    }
    await writer.writeEnd();
  })();
  assert.ok((await channel.readFrame()) !== null);
  await new Promise((r) => setTimeout(r, 50));
  // One frame consumed: the reader holds at most ~2 frames, the socket's queues the writer's 4 MiB and its own.
  assert.ok(written < 10, `the writer got ${written} frames out while the reader consumed one`);
  let frames = 1;
  while ((await channel.readFrame()) !== null) frames++;
  await writing;
  assert.equal(frames, 16);
});

test('a socket closed before the first read is an error at once, not a wait', async () => {
  const socket = new PassThrough();
  socket.destroy();
  await new Promise((r) => setImmediate(r));
  const channel = new Channel(socket);
  await assert.rejects(channel.readMessage(), (err: unknown) => err instanceof TransferError && err.code === 'UNAVAILABLE');
  const later = new PassThrough();
  const channel2 = new Channel(later);
  later.destroy();
  await new Promise((r) => setImmediate(r));
  await assert.rejects(channel2.readFrame(), (err: unknown) => err instanceof TransferError && err.code === 'UNAVAILABLE');
});

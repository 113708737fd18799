import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { Channel, MAX_FRAME_BYTES } from '../../src/transfer/channel.js';
import { sendFrames } from '../../src/transfer/send-pump.js';

/** Reads every frame until the end frame: their sizes and their data joined. */
async function frames(channel: Channel): Promise<{ sizes: number[]; data: Buffer }> {
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  for (let f = await channel.readFrame(); f !== null; f = await channel.readFrame()) {
    sizes.push(f.reduce((n, p) => n + p.length, 0));
    parts.push(...f);
  }
  return { sizes, data: Buffer.concat(parts) };
}

test('a stream read in 64 KiB pieces goes out in frames of up to 1 MiB, every byte in order', async () => {
  const data = randomBytes(3 * MAX_FRAME_BYTES + 12345);
  const pieces = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
  const socket = new PassThrough({ highWaterMark: 64 * 1024 });
  const writer = new Channel(socket);
  const reader = new Channel(socket);
  const reported: number[] = [];
  const sending = sendFrames(Readable.from(pieces), writer, (n) => reported.push(n)).then(() => writer.writeEnd());
  const got = await frames(reader);
  await sending;
  assert.deepEqual(got.data, data);
  assert.ok(got.sizes.every((n) => n > 0 && n <= MAX_FRAME_BYTES));
  assert.ok(got.sizes.length <= 5, `${got.sizes.length} frames for 3 MiB`);
  assert.deepEqual(reported, got.sizes);
});

test('a chunk larger than a frame is split; a slow source still sends what it has without waiting for a full frame', async () => {
  const source = new PassThrough();
  const socket = new PassThrough();
  const writer = new Channel(socket);
  const reader = new Channel(socket);
  const sending = sendFrames(source, writer, () => undefined);
  const big = randomBytes(MAX_FRAME_BYTES + 10);
  source.write(big);
  const first = await reader.readFrame();
  const second = await reader.readFrame();
  assert.deepEqual(Buffer.concat([...(first ?? []), ...(second ?? [])]), big);
  source.write(Buffer.from('tail'));
  assert.deepEqual(Buffer.concat((await reader.readFrame()) ?? []), Buffer.from('tail'));
  source.end();
  await sending;
});

test('a source that fails or closes before its end rejects: no end frame is owed', async () => {
  const failing = new PassThrough();
  const sendingA = sendFrames(failing, new Channel(new PassThrough()), () => undefined);
  failing.destroy(new Error('zfs send died'));
  await assert.rejects(sendingA, /zfs send died/);
  const closing = new PassThrough();
  const sendingB = sendFrames(closing, new Channel(new PassThrough()), () => undefined);
  closing.destroy();
  await assert.rejects(sendingB, /closed before its end/);
});

test('a broken connection stops the sender', async () => {
  const source = new PassThrough();
  const socket = new PassThrough();
  const sending = sendFrames(source, new Channel(socket), () => undefined);
  socket.destroy();
  source.write(randomBytes(MAX_FRAME_BYTES));
  await assert.rejects(sending, /connection broken/);
});

test('a full socket pauses the source until it drains (back-pressure reaches zfs send)', async () => {
  const source = new PassThrough({ highWaterMark: 64 * 1024 });
  const socket = new PassThrough({ highWaterMark: 64 * 1024 });
  const writer = new Channel(socket);
  const sending = sendFrames(source, writer, () => undefined);
  for (let i = 0; i < 6; i++) source.write(randomBytes(MAX_FRAME_BYTES));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(source.isPaused(), true);
  const reader = new Channel(socket);
  let bytes = 0;
  const reading = (async () => {
    for (let f = await reader.readFrame(); f !== null; f = await reader.readFrame()) bytes += f.reduce((n, p) => n + p.length, 0);
  })();
  source.end();
  await sending;
  await writer.writeEnd();
  await reading;
  assert.equal(bytes, 6 * MAX_FRAME_BYTES);
});

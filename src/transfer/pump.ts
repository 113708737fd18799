import type { Writable } from 'node:stream';
import { QUEUE_BYTES, type Channel } from './channel.js';

/** Waits until `stream` takes more data; rejects if it closes or fails first (zfs receive exited). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(new Error('the receiving process closed its input'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/**
 * Frames from the channel into `zfs receive`'s stdin until the end frame, reading the next frame only
 * once the process has taken the last one (back-pressure reaches the sender through TCP).
 */
export async function pumpFrames(channel: Channel, into: Writable, onData: (bytes: number) => void): Promise<void> {
  for (;;) {
    const frame = await channel.readFrame();
    if (frame === null) {
      into.end();
      return;
    }
    let bytes = 0;
    // Corked, a frame's pieces (16 KiB each, one per TLS record) reach the pipe as one writev, not one
    // write(2) per piece.
    into.cork();
    for (const part of frame) {
      into.write(part);
      bytes += part.length;
    }
    into.uncork();
    onData(bytes);
    // Queue up to QUEUE_BYTES so zfs receive always has data while the next frames arrive (channel.ts).
    if (into.writableLength >= QUEUE_BYTES) await drained(into);
  }
}

import type { Readable } from 'node:stream';
import { MAX_FRAME_BYTES, type Channel } from './channel.js';

/**
 * How long a partial frame may wait for more of the stream before it goes out anyway: short beside any
 * stall timeout, long beside the ~0.3 ms a 64 KiB pipe read takes at the bare pipe's speed.
 */
const FLUSH_MS = 5;

/**
 * `zfs send`'s stdout into the channel as frames of up to MAX_FRAME_BYTES (one header and one TLS write
 * per MiB, not per 64 KiB pipe read: sender CPU per 256 MiB ~0.68 s → ~0.52 s, docs/performance.md).
 * The source flows and is paused while the socket's queue is full, so back-pressure reaches `zfs send`. Resolves at the source's end with every byte queued on the channel;
 * rejects when the source fails or closes early or the channel breaks. `onBytes` gets each frame's size.
 */
export function sendFrames(source: Readable, channel: Channel, onBytes: (bytes: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let parts: Buffer[] = [];
    let pending = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', settle);
      source.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const flush = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (pending === 0 || settled) return;
      const frame = parts;
      const length = pending;
      parts = [];
      pending = 0;
      let room: boolean;
      try {
        room = channel.writeParts(frame, length);
      } catch (err) {
        settle(err);
        return;
      }
      onBytes(length);
      if (!room && !source.isPaused()) {
        source.pause();
        channel.drained().then(() => source.resume(), settle);
      }
    };
    const onData = (chunk: Buffer): void => {
      for (let at = 0; at < chunk.length;) {
        const piece = chunk.subarray(at, at + MAX_FRAME_BYTES - pending);
        parts.push(piece);
        pending += piece.length;
        at += piece.length;
        if (pending >= MAX_FRAME_BYTES) flush();
      }
      if (pending > 0) timer ??= setTimeout(flush, FLUSH_MS);
    };
    const onEnd = (): void => {
      flush();
      settle();
    };
    const onClose = (): void => settle(new Error('the send stream closed before its end'));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', settle);
    source.once('close', onClose);
  });
}

import type { Duplex } from 'node:stream';
import { TransferError } from './errors.js';

/** A JSON message line may not exceed this (an offer is well under 4 KiB). */
const MAX_LINE_BYTES = 256 * 1024;
/** Frames carry at most this much stream data; larger chunks are split. */
export const MAX_FRAME_BYTES = 1024 * 1024;
const END_FRAME = Buffer.alloc(4);
/**
 * Bytes a writer may queue before it waits for 'drain'. Node's 16 KiB default made every 64 KiB chunk of
 * `zfs send` wait for the socket, so the stream moved one chunk at a time (bench: 0.38× a raw pipe).
 * The queue stays bounded, so back-pressure still reaches the sender.
 */
export const QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * What the reader takes from the socket ahead of its consumer before it pauses the socket: more than one
 * whole frame (so a frame's wait for its last bytes never meets a paused socket), and bounded, so a slow
 * `zfs receive` still slows the sender through TCP.
 */
const READ_AHEAD_BYTES = 2 * MAX_FRAME_BYTES + 4;

/**
 * One transfer connection (wire.ts): JSON lines, then length-prefixed frames of the stream, ended by a
 * zero-length frame. The socket is read from the first read on, up to READ_AHEAD_BYTES ahead, so a slow
 * `zfs receive` slows the sender through TCP (back-pressure); writes wait for 'drain'. A socket that ends
 * before the end frame is an error, never a finished stream.
 */
export class Channel {
  /**
   * What arrived and is not yet consumed, as the socket gave it (no copying into one growing buffer:
   * that copied each 64 KiB frame about twice over as its 16 KiB TLS records came in).
   */
  readonly #queue: Buffer[] = [];
  #queued = 0;
  /** Set once the socket can give no more: why (end, close or its error). */
  #closedReason: string | undefined;
  #socketError: string | undefined;
  #reading = false;
  #wake: (() => void) | undefined;

  constructor(readonly socket: Duplex) {
    socket.on('error', (err) => {
      this.#socketError ??= err.message;
    });
    // Listened for from the start (they take no data), so a socket that closes before the first read is
    // seen as closed, not waited on for ever.
    const closed = (): void => {
      this.#closedReason ??= this.#socketError ?? 'connection closed';
      this.#wake?.();
    };
    socket.once('end', closed);
    socket.once('close', closed);
    if (socket.destroyed) closed();
  }

  async readMessage(): Promise<unknown> {
    for (;;) {
      // Messages are few and small: joining what is queued to look for the newline costs nothing.
      const joined = this.#joined();
      const newline = joined.indexOf(10);
      if (newline >= 0) {
        const line = this.#take(newline + 1);
        try {
          return JSON.parse(Buffer.concat(line).subarray(0, newline).toString('utf8')) as unknown;
        } catch {
          throw new TransferError('INVALID_ARGUMENT', 'transfer protocol: a message is not JSON');
        }
      }
      if (this.#queued > MAX_LINE_BYTES) throw new TransferError('INVALID_ARGUMENT', 'transfer protocol: message too long');
      await this.#fill('a message');
    }
  }

  /** The next frame's data as the pieces it arrived in (not copied), or null at the end frame. */
  async readFrame(): Promise<Buffer[] | null> {
    while (this.#queued < 4) await this.#fill('the stream');
    const length = Buffer.concat(this.#take(4)).readUInt32BE(0);
    if (length > MAX_FRAME_BYTES) throw new TransferError('INVALID_ARGUMENT', 'transfer protocol: frame too large');
    while (this.#queued < length) await this.#fill('the stream');
    return length === 0 ? null : this.#take(length);
  }

  async writeMessage(line: string): Promise<void> {
    await this.#write(Buffer.from(`${line}\n`, 'utf8'));
  }

  async writeFrame(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += MAX_FRAME_BYTES) {
      const part = data.subarray(at, at + MAX_FRAME_BYTES);
      if (!this.writeParts([part], part.length)) await this.drained();
    }
  }

  /**
   * One frame of `length` (1..MAX_FRAME_BYTES) bytes made of `parts`, queued at once; false when the
   * writer should wait for drained() before the next. Corked, the header and the parts reach TLS as one
   * write, not as a 4-byte record of their own and one socket write per part.
   */
  writeParts(parts: readonly Buffer[], length: number): boolean {
    if (length <= 0 || length > MAX_FRAME_BYTES) throw new RangeError(`a frame holds 1 to ${MAX_FRAME_BYTES} bytes, not ${length}`);
    if (this.socket.destroyed) throw this.#broken('a write', this.#socketError ?? 'connection closed');
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(length, 0);
    this.socket.cork();
    this.socket.write(header);
    for (const part of parts) this.socket.write(part);
    this.socket.uncork();
    return this.socket.writableLength < QUEUE_BYTES;
  }

  async writeEnd(): Promise<void> {
    await this.#write(END_FRAME);
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves once the socket's queue is below QUEUE_BYTES; rejects if it closes first. */
  drained(): Promise<void> {
    if (this.socket.destroyed) return Promise.reject(this.#broken('a write', this.#socketError ?? 'connection closed'));
    if (this.socket.writableLength < QUEUE_BYTES) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => { cleanup(); resolve(); };
      const onClose = (): void => { cleanup(); reject(this.#broken('a write', this.#socketError ?? 'connection closed')); };
      const cleanup = (): void => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
      };
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  /**
   * Waits for more data. The socket flows ('data' events, not an async iterator's promise per 16 KiB TLS
   * record; with the corked pump, receiver CPU per 256 MiB went ~1.0 s → ~0.72 s in test/bench/relay-profile.ts)
   * and pauses once READ_AHEAD_BYTES are queued.
   */
  #fill(waitingFor: string): Promise<void> {
    if (this.#closedReason !== undefined) return Promise.reject(this.#broken(waitingFor, this.#closedReason));
    this.#startReading();
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => {
      this.#wake = () => {
        this.#wake = undefined;
        if (this.#closedReason !== undefined) reject(this.#broken(waitingFor, this.#closedReason));
        else resolve();
      };
    });
  }

  #startReading(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.socket.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued >= READ_AHEAD_BYTES) this.socket.pause();
      this.#wake?.();
    });
  }

  /** The queue as one buffer (and kept so, so a second look copies nothing). */
  #joined(): Buffer {
    if (this.#queue.length > 1) this.#queue.splice(0, this.#queue.length, Buffer.concat(this.#queue));
    return this.#queue[0] ?? Buffer.alloc(0);
  }

  /** The first `n` queued bytes (n ≤ #queued), as views of the queued buffers. */
  #take(n: number): Buffer[] {
    const parts: Buffer[] = [];
    for (let left = n; left > 0;) {
      const head = this.#queue[0];
      if (head === undefined) break;
      if (head.length <= left) {
        parts.push(head);
        this.#queue.shift();
        left -= head.length;
      } else {
        parts.push(head.subarray(0, left));
        this.#queue[0] = head.subarray(left);
        left = 0;
      }
    }
    this.#queued -= n;
    if (this.#reading && this.#queued < READ_AHEAD_BYTES && this.socket.isPaused()) this.socket.resume();
    return parts;
  }

  #broken(waitingFor: string, why: string): TransferError {
    return new TransferError('UNAVAILABLE', `transfer connection broken while waiting for ${waitingFor}: ${why}`);
  }

  async #write(data: Buffer): Promise<void> {
    if (this.socket.destroyed) throw this.#broken('a write', this.#socketError ?? 'connection closed');
    this.socket.write(data);
    await this.drained();
  }
}

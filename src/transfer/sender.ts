import { connect, type TLSSocket } from 'node:tls';
import type { VolumeParams } from '../domain/types.js';
import type { ZfsStreams } from '../zfs/stream.js';
import type { Zfs } from '../zfs/zfs.js';
import { Channel } from './channel.js';
import { TransferError } from './errors.js';
import { readLineage } from './lineage.js';
import { sendFrames } from './send-pump.js';
import { planSend } from './plan.js';
import { clientOptions, type TlsMaterial } from './tls.js';
import { Watchdog } from './watchdog.js';
import { decodeHaves, decodeResult, encodeMessage, PROTOCOL_VERSION, type StreamMode } from './wire.js';

export interface SenderDeps {
  readonly zfs: Zfs;
  readonly streams: ZfsStreams;
  readonly tls: TlsMaterial;
  readonly node: string;
  readonly stallMs: number;
}

export interface SendRequest {
  readonly transfer: string;
  /** The source volume's dataset (live or retired) and the managed snapshot of it to send. */
  readonly dataset: string;
  readonly volume: { readonly id: string; readonly name: string; readonly params: VolumeParams };
  readonly snapshot: { readonly id: string; readonly name: string; readonly sizeBytes: bigint; readonly createdMs: number };
  readonly peer: { readonly node: string; readonly host: string; readonly port: number };
  /** The receiver's parent, when not its first. */
  readonly parent?: string;
}

export type Phase = 'connecting' | 'negotiating' | 'sending' | 'confirming';

export interface Progress {
  readonly phase: Phase;
  readonly mode?: StreamMode;
  readonly bytes: bigint;
  readonly estimateBytes: bigint;
}

export interface SendOutcome {
  readonly mode: StreamMode;
  readonly bytes: bigint;
  readonly base?: string;
  /** The copy's dataset on the receiver, as it reported it. */
  readonly dataset?: string;
}

/**
 * The sending end (issue #8): offer the snapshot, read the receiver's haves, pick full / incremental /
 * nothing (plan.ts), pipe `zfs send` into the channel with back-pressure, and wait for the receiver's
 * verdict. The end frame goes only after `zfs send` exited 0, so a failed send never reads as complete.
 */
export async function sendTransfer(deps: SenderDeps, req: SendRequest, onProgress: (p: Progress) => void, signal: AbortSignal): Promise<SendOutcome> {
  onProgress({ phase: 'connecting', bytes: 0n, estimateBytes: 0n });
  // The TLS handshake and the lineage read are independent: both at once (each ~10 ms here).
  const connecting = open(deps.tls, req.peer, signal);
  connecting.catch(() => undefined); // handled: awaited below, after the lineage (whose failure comes first)
  const lineage = await readLineage(deps.zfs, req.dataset, signal).catch((err: unknown) => {
    hangUp(connecting);
    throw err;
  });
  const target = lineage?.snapshots.find((s) => s.name === req.snapshot.id);
  if (lineage === undefined || target === undefined || !lineage.recorded.has(req.snapshot.id)) {
    hangUp(connecting);
    throw new TransferError('NOT_FOUND', `${req.dataset}@${req.snapshot.id} is not a managed snapshot of this node`);
  }
  const channel = new Channel(await connecting);
  const onAbort = (): void => channel.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    onProgress({ phase: 'negotiating', bytes: 0n, estimateBytes: 0n });
    await channel.writeMessage(encodeMessage({
      type: 'offer', version: PROTOCOL_VERSION, transfer: req.transfer, source: deps.node,
      ...(req.parent === undefined ? {} : { parent: req.parent }),
      volume: req.volume, snapshot: { ...req.snapshot, guid: target.guid },
    }));
    const plan = planSend(lineage.snapshots, target, decodeHaves(await channel.readMessage()).guids);
    if (plan.kind === 'diverged') throw new TransferError('FAILED_PRECONDITION', `cannot send to ${req.peer.node}: ${plan.reason}`);
    const base = plan.kind === 'incremental' ? plan.base : undefined;
    const snapshot = `${req.dataset}@${target.name}`;
    const estimate = plan.kind === 'present' ? 0n : await estimateBytes(deps, snapshot, base && `${req.dataset}@${base.name}`, lineage.referenced.get(target.name) ?? 0n, signal);
    await channel.writeMessage(encodeMessage({ type: 'start', mode: plan.kind, ...(base ? { base: base.guid } : {}), estimateBytes: estimate }));
    const bytes = plan.kind === 'present' ? 0n : await stream(deps, channel, snapshot, base && `${req.dataset}@${base.name}`, (n) => onProgress({ phase: 'sending', mode: plan.kind, bytes: n, estimateBytes: estimate }), signal);
    onProgress({ phase: 'confirming', mode: plan.kind, bytes, estimateBytes: estimate });
    const result = decodeResult(await channel.readMessage());
    if (!result.ok) throw new TransferError(result.code, `receiver ${req.peer.node}: ${result.message}`);
    return { mode: plan.kind, bytes, ...(base ? { base: base.name } : {}), ...(result.dataset === undefined ? {} : { dataset: result.dataset }) };
  } catch (err) {
    if (signal.aborted) throw new TransferError('ABORTED', 'transfer cancelled');
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    channel.destroy();
  }
}

async function estimateBytes(deps: SenderDeps, snapshot: string, base: string | undefined, referenced: bigint, signal: AbortSignal): Promise<bigint> {
  const exact = await deps.streams.estimate(snapshot, base, signal);
  if (exact !== undefined || base !== undefined) return exact ?? 0n;
  // zfs-fuse has no dry run: a full stream is about the snapshot's referenced bytes (read with the lineage).
  return referenced;
}

/** Closes a connection that is no longer wanted once it is open, without waiting for a slow handshake. */
function hangUp(connecting: Promise<TLSSocket>): void {
  void connecting.then((socket) => socket.destroy(), () => undefined);
}

async function stream(deps: SenderDeps, channel: Channel, snapshot: string, base: string | undefined, onBytes: (total: bigint) => void, signal: AbortSignal): Promise<bigint> {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  signal.addEventListener('abort', stop, { once: true });
  const stall = new Watchdog(deps.stallMs, () => {
    abort.abort();
    channel.destroy();
  });
  const proc = deps.streams.send(snapshot, base, abort.signal);
  let bytes = 0n;
  try {
    await sendFrames(proc.stream, channel, (n) => {
      bytes += BigInt(n);
      stall.kick();
      onBytes(bytes);
    });
    await proc.done;
    await channel.writeEnd();
    return bytes;
  } catch (err) {
    abort.abort();
    await proc.done.catch(() => undefined);
    if (stall.fired) throw new TransferError('ABORTED', `no progress for ${deps.stallMs} ms: transfer stalled`);
    throw err;
  } finally {
    stall.stop();
    signal.removeEventListener('abort', stop);
  }
}

function open(tls: TlsMaterial, peer: SendRequest['peer'], signal: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: peer.host, port: peer.port, ...clientOptions(tls, peer.node) });
    const onAbort = (): void => void socket.destroy(new Error('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => signal.removeEventListener('abort', onAbort));
    const fail = (err: Error): void => reject(new TransferError('UNAVAILABLE', `cannot reach ${peer.node} at ${peer.host}:${peer.port}: ${err.message}`));
    socket.once('error', fail);
    socket.setTimeout(30_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      socket.on('error', () => undefined); // the channel reports it
      resolve(socket);
    });
  });
}


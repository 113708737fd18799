import type { Logger } from 'winston';
import { newTransferId } from '../csi/ids.js';
import { describeError, type ErrorCode } from '../domain/errors.js';
import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { HostPort } from './address.js';
import { TransferError } from './errors.js';
import { sendTransfer, type Phase, type Progress, type SenderDeps, type SendOutcome, type SendRequest } from './sender.js';
import type { StreamMode } from './wire.js';

export type { HostPort } from './address.js';

export type TransferState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What `ctl transfer list` and the admin API show of one transfer (bytes as decimal strings). */
export interface TransferStatus {
  readonly id: string;
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly peer: string;
  readonly state: TransferState;
  readonly phase: Phase | 'done';
  readonly mode?: StreamMode;
  /** The common snapshot an incremental stream started from. */
  readonly base?: string;
  readonly bytes: string;
  /** From `zfs send -nvP` on OpenZFS; the snapshot's referenced bytes on zfs-fuse (approximate). */
  readonly estimateBytes: string;
  /** Average since the stream began, bytes per second. */
  readonly rateBytesPerSecond: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export interface TransferManagerDeps {
  readonly sender: SenderDeps;
  readonly peers: ReadonlyMap<string, HostPort>;
  readonly snapshot: (id: string) => SnapshotRecord | undefined;
  readonly volume: (id: string) => VolumeRecord | undefined;
  readonly log: Logger;
  /** The sending end; sender.ts by default (unit tests pass a fake). */
  readonly send?: typeof sendTransfer;
  /** Called on every state change (metrics). */
  readonly onChange?: (status: TransferStatus) => void;
}

interface Entry {
  status: TransferStatus;
  streamStartedMs: number | undefined;
  readonly abort: AbortController;
}

/** Finished transfers kept for `ctl transfer list`; older ones are forgotten. */
const KEEP_FINISHED = 100;

/**
 * The sending side's transfers in this process (standalone mode, issue #8 part 4). A start for a snapshot
 * and peer that already has a running transfer returns that one (a retried `ctl transfer start` never
 * sends twice). The state is in memory: after a restart a transfer is simply started again, which the
 * receiver makes safe (haves by GUID; a cut receive leaves nothing, docs/replication.md).
 */
export class TransferManager {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly deps: TransferManagerDeps) {}

  start(req: { readonly snapshotId: string; readonly peer: string; readonly parent?: string }): TransferStatus {
    const peer = this.deps.peers.get(req.peer);
    if (peer === undefined) throw new TransferError('INVALID_ARGUMENT', `${JSON.stringify(req.peer)} is not a configured --peer of this node`);
    const snapshot = this.deps.snapshot(req.snapshotId);
    const volume = snapshot && this.deps.volume(snapshot.sourceVolumeId);
    if (snapshot === undefined || volume === undefined) throw new TransferError('NOT_FOUND', `snapshot ${req.snapshotId} is not a snapshot of this node`);
    const running = [...this.#entries.values()].find((e) => e.status.state === 'running' && e.status.snapshotId === snapshot.id && e.status.peer === req.peer);
    if (running) return running.status;
    const id = newTransferId();
    const entry: Entry = {
      status: {
        id, snapshotId: snapshot.id, volumeId: volume.id, peer: req.peer, state: 'running', phase: 'connecting',
        bytes: '0', estimateBytes: '0', rateBytesPerSecond: 0, startedAt: new Date().toISOString(),
      },
      streamStartedMs: undefined,
      abort: new AbortController(),
    };
    this.#entries.set(id, entry);
    this.#forgetOld();
    const request: SendRequest = {
      transfer: id, dataset: volume.dataset,
      volume: { id: volume.id, name: volume.name, params: volume.params },
      snapshot: { id: snapshot.id, name: snapshot.name, sizeBytes: snapshot.sizeBytes, createdMs: snapshot.creationTime.getTime() },
      peer: { node: req.peer, ...peer },
      ...(req.parent === undefined ? {} : { parent: req.parent }),
    };
    this.deps.log.info('transfer started', { transfer: id, snapshot: snapshot.id, volume: volume.id, to: req.peer });
    void (this.deps.send ?? sendTransfer)(this.deps.sender, request, (p) => this.#progress(entry, p), entry.abort.signal).then(
      (outcome) => this.#finish(entry, outcome),
      (err: unknown) => this.#fail(entry, err),
    );
    this.deps.onChange?.(entry.status);
    return entry.status;
  }

  list(): TransferStatus[] {
    return [...this.#entries.values()].map((e) => e.status);
  }

  get(id: string): TransferStatus | undefined {
    return this.#entries.get(id)?.status;
  }

  /** Aborts a running transfer (the receiver drops what it had); a finished one is returned as it is. */
  cancel(id: string): TransferStatus {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new TransferError('NOT_FOUND', `no transfer ${id}`);
    if (entry.status.state === 'running') entry.abort.abort();
    return entry.status;
  }

  /** Process shutdown: every running transfer is aborted (the receivers keep nothing of them). */
  stop(): void {
    for (const e of this.#entries.values()) if (e.status.state === 'running') e.abort.abort();
  }

  #progress(entry: Entry, p: Progress): void {
    if (p.phase === 'sending' && entry.streamStartedMs === undefined) entry.streamStartedMs = Date.now();
    const elapsed = entry.streamStartedMs === undefined ? 0 : (Date.now() - entry.streamStartedMs) / 1000;
    entry.status = {
      ...entry.status, phase: p.phase, ...(p.mode ? { mode: p.mode } : {}), bytes: p.bytes.toString(), estimateBytes: p.estimateBytes.toString(),
      rateBytesPerSecond: elapsed > 0 ? Math.round(Number(p.bytes) / elapsed) : 0,
    };
    if (p.phase !== 'sending') this.deps.onChange?.(entry.status);
  }

  #finish(entry: Entry, outcome: SendOutcome): void {
    entry.status = {
      ...entry.status, state: 'succeeded', phase: 'done', mode: outcome.mode, bytes: outcome.bytes.toString(),
      ...(outcome.base === undefined ? {} : { base: outcome.base }), finishedAt: new Date().toISOString(),
    };
    this.deps.log.info('transfer succeeded', { transfer: entry.status.id, to: entry.status.peer, mode: outcome.mode, bytes: entry.status.bytes });
    this.deps.onChange?.(entry.status);
  }

  #fail(entry: Entry, err: unknown): void {
    const cancelled = entry.abort.signal.aborted;
    const { code, message } = describeError(err);
    entry.status = { ...entry.status, state: cancelled ? 'cancelled' : 'failed', phase: 'done', error: { code, message }, finishedAt: new Date().toISOString() };
    this.deps.log.warn(cancelled ? 'transfer cancelled' : 'transfer failed', { transfer: entry.status.id, to: entry.status.peer, code, error: message });
    this.deps.onChange?.(entry.status);
  }

  #forgetOld(): void {
    const finished = [...this.#entries.values()].filter((e) => e.status.state !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.#entries.delete(e.status.id);
  }
}

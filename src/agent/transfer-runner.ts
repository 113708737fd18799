/**
 * The sending side of Kubernetes transfers (issue #8): the agent runs every ZfsTransfer whose spec.nodeName
 * is its node, one attempt at a time per resource, and writes progress into its status. The receiver keeps
 * nothing of a cut attempt and says what it already holds (haves by GUID), so an attempt after a failure or
 * an agent restart simply starts again: a Running status with no attempt in this process is restarted.
 */
import type { Logger } from 'winston';
import { describeError, type ErrorCode } from '../domain/errors.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { KubeApi } from '../store/kube/api.js';
import type { ResourceCache } from '../store/kube/cache.js';
import { decodeNode } from '../store/kube/decode.js';
import { PLURAL, type ZfsSnapshot, type ZfsTransfer } from '../store/kube/resources.js';
import { parseHostPort } from '../transfer/address.js';
import { TransferError } from '../transfer/errors.js';
import { sendTransfer, type Progress, type SenderDeps, type SendOutcome, type SendRequest } from '../transfer/sender.js';
import { parentOfSnapshot } from './records.js';
import { backoffDelay } from './work-queue.js';
import type { ResourceWriter } from './writer.js';

export interface TransferRunnerDeps {
  readonly api: KubeApi;
  readonly node: string;
  readonly outgoing: ResourceCache<ZfsTransfer>;
  readonly writer: ResourceWriter<ZfsTransfer>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly provisioner: Provisioner;
  readonly sender: SenderDeps;
  readonly log: Logger;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Progress is written at most this often while the stream runs; default 1 s. */
  readonly progressMs?: number;
  /** The sending end; sender.ts by default (unit tests pass a fake). */
  readonly send?: typeof sendTransfer;
  /** A transfer ended, Succeeded or Failed (metrics count each once). */
  readonly onFinished?: (t: ZfsTransfer) => void;
}

/** Refusals that another attempt cannot change: the transfer ends Failed with the code. */
const TERMINAL: readonly ErrorCode[] = ['INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'OUT_OF_RANGE', 'UNIMPLEMENTED'];

const finished = (t: ZfsTransfer): boolean => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';

export class TransferRunner {
  readonly #running = new Map<string, AbortController>();
  readonly #retries = new Map<string, NodeJS.Timeout>();
  #stopped = false;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: TransferRunnerDeps) {}

  /** Follows the outgoing cache: new or restarted transfers run, deleted ones are aborted (cancel). */
  start(): void {
    this.#unsubscribe = this.deps.outgoing.subscribe((name, obj) => {
      if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) this.#cancel(name);
      else this.consider(name);
    });
    for (const t of this.deps.outgoing.list()) this.consider(t.metadata.name);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    for (const abort of this.#running.values()) abort.abort();
    while (this.#running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  get running(): number {
    return this.#running.size;
  }

  consider(name: string): void {
    const t = this.deps.outgoing.get(name);
    if (this.#stopped || !t || finished(t) || t.spec.nodeName !== this.deps.node) return;
    if (this.#running.has(name) || this.#retries.has(name) || t.metadata.deletionTimestamp !== undefined) return;
    const abort = new AbortController();
    this.#running.set(name, abort);
    void this.#attempt(t, abort.signal).finally(() => this.#running.delete(name));
  }

  #cancel(name: string): void {
    this.#running.get(name)?.abort();
    const timer = this.#retries.get(name);
    if (timer) clearTimeout(timer);
    this.#retries.delete(name);
  }

  async #attempt(t: ZfsTransfer, signal: AbortSignal): Promise<void> {
    const attempts = (t.status?.attempts ?? 0) + 1;
    const name = t.metadata.name;
    try {
      // The Running mark and the reads behind the request (pool, peer's endpoint) do not depend on each
      // other: at once, since a migration's final round waits for each step (docs/performance.md). Both
      // settle before a refusal is recorded, so the Running mark can never land after the failure.
      const [running, requested] = await Promise.allSettled([
        this.deps.writer.patchStatus(t, {
          phase: 'Running', step: 'connecting', attempts, startedAt: t.status?.startedAt ?? new Date().toISOString(),
          observedGeneration: t.metadata.generation ?? null, code: null, message: null,
        }),
        this.#request(t, signal),
      ]);
      if (running.status === 'rejected') throw running.reason;
      t = running.value;
      if (requested.status === 'rejected') throw requested.reason;
      const request = requested.value;
      const progress = new ProgressWriter(this.deps, t, this.deps.progressMs ?? 1000);
      const outcome = await (this.deps.send ?? sendTransfer)(this.deps.sender, request, (p) => progress.update(p), signal);
      await progress.drain();
      await this.#succeeded(t, request, outcome);
    } catch (err) {
      if (this.#stopped || this.deps.outgoing.get(name) === undefined) return; // shut down or deleted: nothing to record
      await this.#failed(t, err, attempts).catch((e: unknown) => this.deps.log.warn('cannot record transfer failure', { transfer: name, error: describeError(e).message }));
    }
  }

  /** What to send and where, from this node's resources and pool; every refusal names its reason. */
  async #request(t: ZfsTransfer, signal: AbortSignal): Promise<SendRequest> {
    const snap = this.deps.snapshots.get(t.spec.snapshotId);
    if (!snap || snap.spec.nodeName !== this.deps.node || snap.spec.deletionRequested || snap.status?.deletion !== undefined) {
      throw new TransferError('NOT_FOUND', `snapshot ${t.spec.snapshotId} is not a snapshot of node ${this.deps.node}`);
    }
    if (snap.spec.sourceVolumeId !== t.spec.volumeId) {
      throw new TransferError('FAILED_PRECONDITION', `snapshot ${t.spec.snapshotId} is of volume ${snap.spec.sourceVolumeId}, not ${t.spec.volumeId}`);
    }
    const zfsName = snap.status?.zfsName;
    if (snap.status?.readyToUse !== true || zfsName === undefined) throw new TransferError('UNAVAILABLE', `snapshot ${t.spec.snapshotId} is not ready yet`);
    const dataset = zfsName.slice(0, zfsName.indexOf('@'));
    const endpoint = this.#endpoint(t.spec.targetNode);
    endpoint.catch(() => undefined); // awaited below, after the pool's answer (whose refusal comes first)
    // The pool is the truth for the volume's name and parameters: its resource may be gone (retired volume).
    const view = await this.deps.provisioner.scanDataset(parentOfSnapshot(zfsName), dataset, signal);
    const volume = view.volumes.find((v) => v.dataset === dataset);
    const record = view.snapshots.find((s) => s.id === t.spec.snapshotId);
    if (!volume || !record) throw new TransferError('NOT_FOUND', `${zfsName} is not a managed snapshot on this node's pool`);
    return {
      transfer: t.metadata.name, dataset,
      volume: { id: volume.id, name: volume.name, params: volume.params },
      snapshot: { id: record.id, name: record.name, sizeBytes: record.sizeBytes, createdMs: record.creationTime.getTime() },
      peer: { node: t.spec.targetNode, ...(await endpoint) },
      ...(t.spec.targetParent === undefined ? {} : { parent: t.spec.targetParent }),
    };
  }

  /** The target's own published endpoint; TLS then proves it is that node (certificate CN). */
  async #endpoint(node: string): Promise<{ host: string; port: number }> {
    const raw = await this.deps.api.get(PLURAL.node, node);
    const text = raw === undefined ? undefined : decodeNode(raw)?.status?.transferEndpoint;
    const address = text === undefined ? undefined : parseHostPort(text);
    if (!address) throw new TransferError('UNAVAILABLE', `node ${node} publishes no transfer endpoint in its ZfsNode (is its agent running with --transfer-listen?)`);
    return address;
  }

  async #succeeded(t: ZfsTransfer, req: SendRequest, outcome: SendOutcome): Promise<void> {
    const current = this.deps.outgoing.get(t.metadata.name) ?? t;
    const done = await this.deps.writer.patchStatus(current, {
      phase: 'Succeeded', step: null, mode: outcome.mode, base: outcome.base ?? null, bytes: outcome.bytes.toString(),
      finishedAt: new Date().toISOString(), code: null, message: null,
      ...(outcome.dataset === undefined ? {} : { targetSnapshot: `${outcome.dataset}@${req.snapshot.id}` }),
    });
    this.deps.log.info('transfer succeeded', { transfer: t.metadata.name, to: t.spec.targetNode, mode: outcome.mode, bytes: outcome.bytes.toString() });
    this.deps.onFinished?.(done);
  }

  async #failed(t: ZfsTransfer, err: unknown, attempts: number): Promise<void> {
    const { code, message } = describeError(err);
    const terminal = TERMINAL.includes(code);
    const current = this.deps.outgoing.get(t.metadata.name) ?? t;
    const recorded = await this.deps.writer.patchStatus(current, {
      phase: terminal ? 'Failed' : 'Pending', step: null, code, message,
      ...(terminal ? { finishedAt: new Date().toISOString() } : {}),
    });
    if (terminal) {
      this.deps.log.warn('transfer failed', { transfer: t.metadata.name, to: t.spec.targetNode, code, error: message });
      this.deps.onFinished?.(recorded);
      return;
    }
    const delayMs = backoffDelay(attempts, this.deps.retryBaseMs, this.deps.retryMaxMs, Math.random);
    this.deps.log.warn('transfer attempt failed; retrying', { transfer: t.metadata.name, to: t.spec.targetNode, attempts, delayMs, code, error: message });
    const timer = setTimeout(() => {
      this.#retries.delete(t.metadata.name);
      this.consider(t.metadata.name);
    }, delayMs);
    timer.unref();
    this.#retries.set(t.metadata.name, timer);
  }
}

/** Status patches of one attempt, in order and at most one per interval while bytes flow. */
class ProgressWriter {
  #chain: Promise<unknown> = Promise.resolve();
  #lastMs = 0;
  #streamStartMs: number | undefined;
  #step: string = 'connecting';

  constructor(private readonly deps: TransferRunnerDeps, private readonly t: ZfsTransfer, private readonly everyMs: number) {}

  update(p: Progress): void {
    const now = Date.now();
    if (p.phase === 'sending') this.#streamStartMs ??= now;
    if (p.phase === this.#step && now - this.#lastMs < this.everyMs) return;
    this.#step = p.phase;
    this.#lastMs = now;
    const seconds = this.#streamStartMs === undefined ? 0 : (now - this.#streamStartMs) / 1000;
    const status = {
      step: p.phase, bytes: p.bytes.toString(), estimateBytes: p.estimateBytes.toString(),
      rateBytesPerSecond: seconds > 0 ? Math.round(Number(p.bytes) / seconds) : 0, ...(p.mode ? { mode: p.mode } : {}),
    };
    this.#chain = this.#chain.then(() => this.deps.writer.patchStatus(this.deps.outgoing.get(this.t.metadata.name) ?? this.t, status))
      .catch((err: unknown) => this.deps.log.debug('transfer progress not written', { transfer: this.t.metadata.name, error: describeError(err).message }));
  }

  drain(): Promise<unknown> {
    return this.#chain;
  }
}

/**
 * The receiving node's side of a copy's life (issue #8): the agent holds the finalizer of every ZfsTransfer
 * that targets it from before the first byte arrives (transfer-authority.ts) until the copy is dealt with.
 * DeleteSnapshot of the original records spec.deletionRequested; only then is the copy destroyed, deferred
 * while restores cloned from it still need it (DESIGN.md §3.1), and the emptied copy swept. A ZfsTransfer
 * deleted without that intent keeps its copy (§4 rule 7): it shows as drift.
 */
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { ResourceCache } from '../store/kube/cache.js';
import type { ZfsTransfer } from '../store/kube/resources.js';
import { hasFinalizer, parentOfSnapshot } from './records.js';
import type { ResourceWriter } from './writer.js';

export interface CopyKeeperDeps {
  readonly node: string;
  readonly parents: readonly string[];
  readonly incoming: ResourceCache<ZfsTransfer>;
  readonly writer: ResourceWriter<ZfsTransfer>;
  readonly provisioner: Provisioner;
  /** Destroys retired data nothing needs any more (the agent's sweep). */
  readonly sweep: (parent: string, signal: AbortSignal) => Promise<void>;
  readonly log: Logger;
  readonly retryMs: number;
}

/** Where the copy of a transfer is (or would be): `parent/volume@snapshot`. */
export function copyName(t: ZfsTransfer, parents: readonly string[]): string {
  return t.status?.targetSnapshot ?? `${t.spec.targetParent ?? parents[0] ?? ''}/${t.spec.volumeId}@${t.spec.snapshotId}`;
}

export class CopyKeeper {
  readonly #busy = new Set<string>();
  /** Copies already destroyed, waiting for their resource's deletion to drop the finalizer. */
  readonly #destroyed = new Set<string>();
  /** Finalizers removed, whose resource the watch still shows for a moment (forgotten when it is gone). */
  readonly #released = new Set<string>();
  readonly #abort = new AbortController();
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: CopyKeeperDeps) {}

  start(): void {
    this.#unsubscribe = this.deps.incoming.subscribe((name, obj) => {
      if (obj !== undefined) return this.consider(name);
      this.#released.delete(name);
      this.#destroyed.delete(name);
    });
    for (const t of this.deps.incoming.list()) this.consider(t.metadata.name);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#abort.abort();
  }

  consider(name: string): void {
    const t = this.deps.incoming.get(name);
    if (!t || t.spec.targetNode !== this.deps.node || !hasFinalizer(t.metadata) || this.#busy.has(name)) return;
    if (this.#released.has(name)) return;
    if (t.metadata.deletionTimestamp === undefined && (t.spec.deletionRequested !== true || this.#destroyed.has(name))) return;
    this.#busy.add(name);
    void this.#settle(t).then(
      // The deletion may have come while the copy was being destroyed: look again.
      () => {
        this.#busy.delete(name);
        this.consider(name);
      },
      (err: unknown) => {
        this.#busy.delete(name);
        this.deps.log.warn('copy not dealt with yet; retrying', { transfer: name, error: describeError(err).message });
        setTimeout(() => this.consider(name), this.deps.retryMs).unref();
      },
    );
  }

  async #settle(t: ZfsTransfer): Promise<void> {
    const signal = this.#abort.signal;
    const name = t.metadata.name;
    const copy = copyName(t, this.deps.parents);
    if (t.spec.deletionRequested === true && !this.#destroyed.has(name)) {
      await this.#destroy(copy, signal);
      this.#destroyed.add(name);
    } else if (t.spec.deletionRequested !== true) {
      this.deps.log.warn('ZfsTransfer deleted without DeleteSnapshot: its copy is kept', { transfer: name, copy });
    }
    // The finalizer goes with the resource's deletion only: until then it still stands for the copy.
    if (t.metadata.deletionTimestamp !== undefined) {
      await this.deps.writer.removeFinalizer(this.deps.incoming.get(name) ?? t);
      this.#destroyed.delete(name);
      this.#released.add(name);
    }
  }

  /** Only a managed snapshot inside a received copy under this node's parents is ever destroyed here. */
  async #destroy(copy: string, signal: AbortSignal): Promise<void> {
    const parent = parentOfSnapshot(copy);
    if (!this.deps.parents.includes(parent)) return;
    const dataset = copy.slice(0, copy.indexOf('@'));
    const view = await this.deps.provisioner.scanDataset(parent, dataset, signal).catch((err: unknown) => {
      if (describeError(err).code === 'NOT_FOUND') return undefined; // never received, or already gone
      throw err;
    });
    const isCopy = view?.volumes.some((v) => v.dataset === dataset && v.replicaOf !== undefined) === true;
    const record = view?.snapshots.find((s) => s.zfsName === copy);
    if (!isCopy || record === undefined) return;
    await this.deps.provisioner.deleteSnapshot(record, signal);
    await this.deps.sweep(parent, signal);
    this.deps.log.info('copy destroyed: its snapshot was deleted', { copy });
  }
}

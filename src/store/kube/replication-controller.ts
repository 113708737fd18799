/**
 * Scheduled replication in the controller (issue #8, docs/replication.md "Scheduled replication"): watches
 * ZfsReplications and steps each one (replication-round.ts) on a short tick, and at once when one of them
 * or a ZfsTransfer's outcome changes (a migration's final round is the pod's downtime: waiting for the
 * tick at its start and end cost ~1 s of it). Only the Lease holder steps, one pass at a time; a step that
 * fails is recorded in status and retried after a backoff that grows to the replication's interval, so a
 * broken target does not turn into an API storm (a change does not cut a backoff short).
 */
import type { Logger } from 'winston';
import { describeError } from '../../domain/errors.js';
import type { KubeApi } from './api.js';
import { ResourceCache } from './cache.js';
import { decodeReplication, decodeTransfer } from './decode.js';
import type { KubeBackend } from './kube-backend.js';
import { needsStep, recordFailure, stepReplication, type ReplicationStepDeps } from './replication-round.js';
import { PLURAL, type ZfsReplication, type ZfsTransfer } from './resources.js';

export interface ReplicationControllerDeps {
  readonly api: KubeApi;
  readonly backend: KubeBackend;
  readonly log: Logger;
  /** Whether this replica holds the leader Lease; default always. */
  readonly mayWrite?: () => boolean;
  /** Between passes; default 1 s (a pass over idle replications reads only the cache). */
  readonly tickMs?: number;
  readonly now?: () => Date;
  readonly stepTimeoutMs?: number;
  readonly eventNamespace?: string;
  /** Pass at once on a change, not only on the tick; default true (tests that drive passes turn it off). */
  readonly reactToChanges?: boolean;
}

/** A transfer's change worth a pass: its outcome, which the round waiting for it records. */
const settled = (t: ZfsTransfer | undefined): boolean => t === undefined || t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';

/** Steps taken per replication per pass: enough to go from "due" to "copy requested" in one pass. */
const STEPS_PER_PASS = 3;
const CONCURRENCY = 4;

export class ReplicationController {
  readonly replications: ResourceCache<ZfsReplication>;
  readonly #deps: ReplicationStepDeps;
  readonly #backoff = new Map<string, { until: number; failures: number }>();
  readonly #transfers: ResourceCache<ZfsTransfer> | undefined;
  #unsubscribe: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** A change came during a pass: one more pass after it, so the change does not wait for the tick. */
  #again = false;

  constructor(private readonly o: ReplicationControllerDeps) {
    this.replications = new ResourceCache(o.api, PLURAL.replication, decodeReplication, undefined, (err) => {
      o.log.warn('watch of ZfsReplications failed; restarting', { error: describeError(err).message });
    });
    this.#transfers = (o.reactToChanges ?? true) ? new ResourceCache(o.api, PLURAL.transfer, decodeTransfer, undefined, (err) => {
      o.log.warn('watch of ZfsTransfers failed; restarting', { error: describeError(err).message });
    }) : undefined;
    this.#deps = {
      api: o.api, backend: o.backend, log: o.log, now: o.now ?? (() => new Date()),
      ...(o.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: o.stepTimeoutMs }),
      ...(o.eventNamespace === undefined ? {} : { eventNamespace: o.eventNamespace }),
    };
  }

  async start(): Promise<void> {
    await this.replications.start();
    if (this.#transfers) {
      await this.#transfers.start();
      this.#unsubscribe = [
        this.replications.subscribe(() => this.#kick()),
        this.#transfers.subscribe((_, t) => { if (settled(t)) this.#kick(); }),
      ];
    }
    this.#timer = setInterval(() => this.#passQuietly(), this.o.tickMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#running;
    await this.#transfers?.stop();
    await this.replications.stop();
  }

  /** One pass over every replication (never two at once). */
  pass(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.#passQuietly();
      }
    });
    return this.#running;
  }

  /** A pass now, or right after the one running. */
  #kick(): void {
    if (this.#running) this.#again = true;
    else this.#passQuietly();
  }

  /** A pass nobody awaits (tick, change): what goes wrong outside the steps is logged, never unhandled. */
  #passQuietly(): void {
    this.pass().catch((err: unknown) => this.o.log.warn('replication pass failed', { error: describeError(err).message }));
  }

  async #pass(): Promise<void> {
    if (!(this.o.mayWrite?.() ?? true) || !(await this.o.backend.ready())) return;
    const now = this.#deps.now();
    const due = this.replications.list().filter((r) => needsStep(r, now)).map((r) => r.metadata.name);
    // A few at a time: one slow node (a snapshot the agent takes long to answer) must not hold up the rest.
    for (let i = 0; i < due.length; i += CONCURRENCY) await Promise.all(due.slice(i, i + CONCURRENCY).map((name) => this.#steps(name)));
  }

  async #steps(name: string): Promise<void> {
    const now = this.#deps.now().getTime();
    if ((this.#backoff.get(name)?.until ?? 0) > now) return;
    for (let i = 0; i < STEPS_PER_PASS; i++) {
      // Fresh from the API each step: the step before changed it, and the watch may not have caught up.
      const r = decodeReplication(await this.o.api.get(PLURAL.replication, name).catch(() => undefined));
      if (r === undefined) return;
      try {
        const changed = await stepReplication(this.#deps, r);
        this.#backoff.delete(name);
        if (!changed) return;
      } catch (err) {
        await this.#failed(r, err, now);
        return;
      }
    }
  }

  async #failed(r: ZfsReplication, err: unknown, now: number): Promise<void> {
    const failures = (this.#backoff.get(r.metadata.name)?.failures ?? 0) + 1;
    const delay = Math.min(r.spec.intervalSeconds * 1000, 1000 * 2 ** Math.min(failures, 10));
    this.#backoff.set(r.metadata.name, { until: now + delay, failures });
    this.o.log.warn('replication step failed; retrying', { replication: r.metadata.name, failures, delayMs: delay, error: describeError(err).message });
    await recordFailure(this.#deps, r, err).catch((e: unknown) => {
      this.o.log.warn('could not record a replication failure in status', { replication: r.metadata.name, error: describeError(e).message });
    });
  }
}

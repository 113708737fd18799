/**
 * The node agent (DESIGN.md §2, docs/kubernetes-mode.md): watches this node's ZfsVolumes and ZfsSnapshots,
 * adopts them against the pool at start, then reconciles one key at a time per resource, sweeps retired data
 * and publishes the ZfsNode. It never serves gRPC; src/app/node.ts puts it beside the Node service.
 */
import type { Logger } from 'winston';
import type { NodeVolumeLookup } from '../csi/node/lookup.js';
import { describeError } from '../domain/errors.js';
import { CapacityCache } from '../provision/capacity.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { KubeApi, Plural } from '../store/kube/api.js';
import { ResourceCache } from '../store/kube/cache.js';
import { decodeSnapshot, decodeVolume } from '../store/kube/decode.js';
import { NODE_LABEL, PLURAL, type ObjectMeta, type ZfsSnapshot, type ZfsVolume } from '../store/kube/resources.js';
import type { Zfs } from '../zfs/zfs.js';
import { adopt, driftOf, type AdoptionReport } from './adopt.js';
import type { AgentContext } from './context.js';
import { eventNamespace, involvedOf, KubeEventSink, type EventSink } from './events.js';
import { NodePublisher } from './node-publisher.js';
import { volumeLookup } from './node-lookup.js';
import { hasFinalizer } from './records.js';
import { requirePools, scanParents } from './scan.js';
import { SnapshotReconciler } from './snapshot-reconciler.js';
import { VolumeReconciler } from './volume-reconciler.js';
import { WorkQueue } from './work-queue.js';
import { ResourceWriter } from './writer.js';

export interface NodeAgentOptions {
  readonly api: KubeApi;
  readonly zfs: Zfs;
  readonly provisioner: Provisioner;
  readonly node: string;
  readonly parents: readonly string[];
  readonly log: Logger;
  readonly agentVersion: string;
  /** Where Events go; default env POD_NAMESPACE, else `default`. */
  readonly eventNamespace?: string;
  readonly events?: EventSink;
  /** ZfsNode refresh; default 30 s. */
  readonly heartbeatMs?: number;
  /** Periodic sweep of retired data and drift rescan; default 600 s. */
  readonly sweepIntervalMs?: number;
  /** Keys reconciled at once; default 4. */
  readonly concurrency?: number;
  readonly retryBaseMs?: number;
  /** Backoff cap; default 30 s. */
  readonly retryMaxMs?: number;
  /** Wait between start-up attempts while pools or the API are missing; default 2 s. */
  readonly startRetryMs?: number;
}

export type QueueKey = `volume/${string}` | `snapshot/${string}`;

/** What makes a change worth a reconcile: spec (generation), deletion, our finalizer. Status echoes are not. */
const trigger = (m: ObjectMeta): string =>
  `${m.generation ?? m.resourceVersion ?? ''}|${m.deletionTimestamp ?? ''}|${hasFinalizer(m)}`;

export class NodeAgent {
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly capacity: CapacityCache;
  private readonly ctx: AgentContext;
  private readonly queue: WorkQueue<QueueKey>;
  private readonly publisher: NodePublisher;
  private readonly stopSignal = new AbortController();
  private adopted = false;
  private drift: readonly string[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private startup: Promise<void> | undefined;
  private adoption: AdoptionReport | undefined;
  private adoptedWaiters: Array<(r: AdoptionReport) => void> = [];

  constructor(private readonly o: NodeAgentOptions) {
    const selector = `${NODE_LABEL}=${o.node}`;
    const onError = (err: unknown): void => {
      if (!this.stopSignal.signal.aborted) o.log.warn('watch of resources failed; restarting', { error: describeError(err).message });
    };
    this.volumes = new ResourceCache(o.api, PLURAL.volume, decodeVolume, selector, onError);
    this.snapshots = new ResourceCache(o.api, PLURAL.snapshot, decodeSnapshot, selector, onError);
    this.capacity = new CapacityCache(o.zfs, o.node, o.parents);
    this.ctx = {
      node: o.node, parents: o.parents, zfs: o.zfs, provisioner: o.provisioner, capacity: this.capacity,
      volumes: this.volumes, snapshots: this.snapshots, log: o.log,
      volumeWriter: new ResourceWriter(o.api, PLURAL.volume, this.volumes),
      snapshotWriter: new ResourceWriter(o.api, PLURAL.snapshot, this.snapshots),
      events: o.events ?? new KubeEventSink(o.api, o.eventNamespace ?? eventNamespace(process.env), o.log),
      sweep: (parent, signal) => this.sweep(parent, signal),
      refreshDrift: () => void this.refreshDrift(),
    };
    const volumes = new VolumeReconciler(this.ctx);
    const snapshots = new SnapshotReconciler(this.ctx);
    this.queue = new WorkQueue<QueueKey>(
      (key, signal) => {
        const [kind, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        return kind === 'volume' ? volumes.reconcile(name, signal) : snapshots.reconcile(name, signal);
      },
      {
        concurrency: o.concurrency ?? 4,
        ...(o.retryBaseMs !== undefined ? { baseDelayMs: o.retryBaseMs } : {}),
        maxDelayMs: o.retryMaxMs ?? 30_000,
        onError: (key, err, failures, delayMs) =>
          o.log.warn('reconcile failed; retrying', { key, failures, delayMs, error: describeError(err).message }),
      },
    );
    this.publisher = new NodePublisher({
      api: o.api, zfs: o.zfs, node: o.node, parents: o.parents, capacity: this.capacity, agentVersion: o.agentVersion,
      health: () => ({ adopted: this.adopted, drift: this.drift }), log: o.log,
      ...(o.heartbeatMs !== undefined ? { intervalMs: o.heartbeatMs } : {}),
    });
  }

  /** Starts in the background: watches, pools, adoption, then the queue. ready() tells when it is done. */
  start(): void {
    this.startup ??= this.run();
  }

  /** True once adoption is done and every pool behind the parents is imported (CSI Probe). */
  async ready(): Promise<boolean> {
    if (!this.adopted) return false;
    try {
      await requirePools(this.o.zfs, this.o.parents);
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves with the adoption report once start-up adoption is done (tests, logs). */
  whenAdopted(): Promise<AdoptionReport> {
    if (this.adoption) return Promise.resolve(this.adoption);
    return new Promise((resolve) => this.adoptedWaiters.push(resolve));
  }

  /** Resolves when no reconcile is queued, running or waiting for a retry (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Reconciles queued, running or waiting for a retry. */
  get queueDepth(): number {
    return this.queue.depth;
  }

  get driftReport(): readonly string[] {
    return this.drift;
  }

  nodeLookup(): NodeVolumeLookup {
    return volumeLookup(this.volumes, this.o.node);
  }

  /** Publishes the ZfsNode status now (besides the heartbeat). */
  publishNode(): Promise<void> {
    return this.publisher.publish();
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.queue.stop();
    await this.publisher.stop();
    await Promise.all([this.volumes.stop(), this.snapshots.stop()]);
    await this.startup?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    this.publisher.start();
    while (!this.stopSignal.signal.aborted) {
      try {
        await this.adoptOnce();
        return;
      } catch (err) {
        this.o.log.warn('agent start-up not done yet; retrying', { error: describeError(err).message });
        await new Promise((r) => setTimeout(r, this.o.startRetryMs ?? 2000).unref());
      }
    }
  }

  private async adoptOnce(): Promise<void> {
    const signal = this.stopSignal.signal;
    const started = Date.now();
    await this.startWatches();
    const views = await scanParents(this.o.zfs, this.o.parents, this.o.log, signal);
    const report = await adopt(this.ctx, views, (kind, name) => this.queue.add(`${kind}/${name}`));
    if (signal.aborted) return;
    this.adopted = true;
    this.setDrift(report.drift);
    this.queue.start();
    this.o.log.info('resources adopted', { ...report, lost: report.lost.length, drift: report.drift.length, ms: Date.now() - started });
    void this.publisher.publish();
    this.adoption = report;
    for (const w of this.adoptedWaiters.splice(0)) w(report);
    this.sweepTimer = setInterval(() => void this.periodic(), this.o.sweepIntervalMs ?? 600_000);
    this.sweepTimer.unref();
  }

  /** Starts both watches once; then checks the caches hold what a fresh list holds (a failed first list is silent). */
  private async startWatches(): Promise<void> {
    for (const [cache, plural, kind] of [[this.volumes, PLURAL.volume, 'volume'], [this.snapshots, PLURAL.snapshot, 'snapshot']] as const) {
      if (!cache.isSynced) {
        await cache.start();
        this.follow(cache as ResourceCache<ZfsVolume | ZfsSnapshot>, kind);
      }
      await this.assertCached(cache as ResourceCache<ZfsVolume | ZfsSnapshot>, plural);
    }
  }

  private async assertCached(cache: ResourceCache<ZfsVolume | ZfsSnapshot>, plural: Plural): Promise<void> {
    const list = await this.o.api.list(plural, `${NODE_LABEL}=${this.o.node}`);
    const decode = plural === PLURAL.volume ? decodeVolume : decodeSnapshot;
    const missing = list.items.map((raw) => decode(raw)?.metadata.name).filter((n) => n !== undefined && !cache.get(n));
    if (missing.length > 0) throw new Error(`${plural} watch has not caught up yet (${missing.length} missing)`);
  }

  /** Queues a key when something a reconcile acts on changed (coalesced by the queue). */
  private follow(cache: ResourceCache<ZfsVolume | ZfsSnapshot>, kind: 'volume' | 'snapshot'): void {
    const seen = new Map<string, string>();
    for (const o of cache.list()) seen.set(o.metadata.name, trigger(o.metadata));
    cache.subscribe((name, obj) => {
      if (!obj) {
        seen.delete(name);
        return;
      }
      const t = trigger(obj.metadata);
      if (seen.get(name) === t) return;
      seen.set(name, t);
      this.queue.add(`${kind}/${name}`);
    });
  }

  private async sweep(parent: string, signal?: AbortSignal): Promise<void> {
    const result = await this.o.provisioner.sweeper.sweep(parent, signal);
    if (result.destroyedVolumes.length > 0) this.capacity.invalidate();
    for (const id of result.destroyedVolumes) {
      this.o.log.info('retired volume destroyed: nothing needs its data any more', { volume: id });
      this.queue.add(`volume/${id}`);
    }
  }

  private async periodic(): Promise<void> {
    for (const parent of this.o.parents) {
      try {
        await this.sweep(parent, this.stopSignal.signal);
      } catch (err) {
        this.o.log.warn('sweep of retired data failed; next sweep retries', { parent, error: describeError(err).message });
      }
    }
    await this.refreshDrift();
  }

  /** Rescans the parents for managed objects without a resource. */
  async refreshDrift(): Promise<void> {
    try {
      const views = await Promise.all(this.o.parents.map((p) => this.o.provisioner.scan(p, this.stopSignal.signal)));
      this.setDrift(driftOf(views, this.volumes.list(), this.snapshots.list()));
    } catch (err) {
      this.o.log.warn('drift scan failed', { error: describeError(err).message });
    }
  }

  private setDrift(drift: readonly string[]): void {
    const changed = drift.join('\n') !== this.drift.join('\n');
    this.drift = drift;
    if (!changed) return;
    if (drift.length > 0) {
      void this.ctx.events.warning(involvedOf('ZfsNode', { name: this.o.node }), 'Drift',
        `${drift.length} managed object(s) under this node's parents have no resource (left alone): ${drift.slice(0, 20).join(', ')}`);
    }
    void this.publisher.publish();
  }
}

/**
 * The node agent (DESIGN.md §2, docs/kubernetes-mode.md): watches this node's ZfsVolumes and ZfsSnapshots,
 * adopts them against the pool at start, then reconciles one key at a time per resource, sweeps retired data
 * and publishes the ZfsNode. It never serves gRPC; src/app/node.ts puts it beside the Node service.
 */
import type { NodeVolumeLookup } from '../csi/node/lookup.js';
import { describeError } from '../domain/errors.js';
import { CapacityCache } from '../provision/capacity.js';
import { LinuxMounter } from '../mount/linux-mounter.js';
import { ResourceCache } from '../store/kube/cache.js';
import { decodeSnapshot, decodeVolume } from '../store/kube/decode.js';
import { NODE_LABEL, PLURAL, type ObjectMeta, type ZfsSnapshot, type ZfsVolume } from '../store/kube/resources.js';
import { adopt, type AdoptionReport } from './adopt.js';
import type { NodeAgentOptions } from './agent-options.js';
import type { AgentContext } from './context.js';
import { DriftTracker } from './drift.js';
import { eventNamespace, KubeEventSink } from './events.js';
import { reportHolds } from './foreign-holds.js';
import { NodePublisher } from './node-publisher.js';
import { volumeLookup } from './node-lookup.js';
import { ParentPresence } from './presence.js';
import { recoverResources } from './recovery.js';
import { hasFinalizer, parentOfSnapshot } from './records.js';
import { requirePools, scanParents } from './scan.js';
import { SnapshotReconciler } from './snapshot-reconciler.js';
import { VolumeReconciler } from './volume-reconciler.js';
import { AgentTransfers } from './transfers.js';
import { startWatches } from './watches.js';
import { WorkQueue } from './work-queue.js';
import { ResourceWriter } from './writer.js';

export type { NodeAgentOptions } from './agent-options.js';

export type QueueKey = `volume/${string}` | `snapshot/${string}`;

export class NodeAgent {
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly capacity: CapacityCache;
  readonly presence: ParentPresence;
  readonly transfers: AgentTransfers | undefined;
  private readonly ctx: AgentContext;
  private readonly queue: WorkQueue<QueueKey>;
  private readonly publisher: NodePublisher;
  private readonly stopSignal = new AbortController();
  private readonly drift: DriftTracker;
  private adopted = false;
  private timers: NodeJS.Timeout[] = [];
  private adopting: Promise<void> = Promise.resolve();
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
    const events = o.events ?? new KubeEventSink(o.api, o.eventNamespace ?? eventNamespace(process.env), o.log);
    this.presence = new ParentPresence({ zfs: o.zfs, node: o.node, parents: o.parents, events, log: o.log, held: (p) => this.holds(p) });
    this.ctx = {
      node: o.node, parents: o.parents, zfs: o.zfs, provisioner: o.provisioner, capacity: this.capacity,
      volumes: this.volumes, snapshots: this.snapshots, log: o.log,
      volumeWriter: new ResourceWriter(o.api, PLURAL.volume, this.volumes),
      snapshotWriter: new ResourceWriter(o.api, PLURAL.snapshot, this.snapshots),
      events, presence: this.presence,
      sweep: (parent, signal) => this.sweep(parent, signal),
      refreshDrift: () => void this.drift.refresh(),
      copies: () => this.transfers?.receivedCopies() ?? new Map(),
      copyOf: async (id) => this.transfers?.copyOf(id),
      mountTable: o.mountTable ?? (() => new LinuxMounter().table()),
    };
    this.transfers = o.transfers && new AgentTransfers(o.transfers, {
      ...o, snapshots: this.snapshots, sweep: (parent, signal) => this.sweep(parent, signal),
      onReceived: () => { this.capacity.invalidate(); void this.drift.refresh(); },
      onListening: () => void this.publisher.publish(),
    });
    this.drift = new DriftTracker({
      ...o, volumes: this.volumes, snapshots: this.snapshots, events, signal: this.stopSignal.signal,
      copies: () => this.ctx.copies(), onChange: () => void this.publisher.publish(),
    });
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
      health: () => ({ adopted: this.adopted, drift: this.drift.report, parents: this.presence.list() }), log: o.log,
      transferEndpoint: () => this.transfers?.endpoint,
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
    return this.drift.report;
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
    for (const t of this.timers.splice(0)) clearInterval(t);
    await this.transfers?.stop();
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
    await startWatches({ api: this.o.api, node: this.o.node, volumes: this.volumes, snapshots: this.snapshots },
      (kind, name) => this.queue.add(`${kind}/${name}`));
    await this.presence.refresh(signal);
    const report = await this.adoptPresent(signal, this.o.recoverResources === true);
    // Before the first publish, so the ZfsNode names the endpoint as soon as the node reports at all.
    await this.transfers?.start();
    if (signal.aborted) return;
    this.adopted = true;
    this.queue.start();
    this.o.log.info('resources adopted', { ms: Date.now() - started });
    void this.publisher.publish();
    this.adoption = report;
    for (const w of this.adoptedWaiters.splice(0)) w(report);
    this.every(this.o.sweepIntervalMs ?? 600_000, () => this.periodic());
    this.every(this.o.presenceIntervalMs ?? 15_000, () => this.checkPresence());
  }

  private every(ms: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * Scan the present parents and adopt against them; one at a time (start-up, parent changes, periodic).
   * Recovery only at start-up: the queue is not running yet, so nothing reconciles a resource half-written.
   */
  private adoptPresent(signal: AbortSignal, recover = false): Promise<AdoptionReport> {
    const run = this.adopting.then(async () => {
      const views = await scanParents(this.o.zfs, this.presence, signal);
      if (recover) this.drift.account((await recoverResources(this.ctx, views)).retired);
      const report = await adopt(this.ctx, views, (kind, name) => this.queue.add(`${kind}/${name}`));
      const counts = { volumes: report.volumes, snapshots: report.snapshots, queued: report.queued, drift: report.drift.length };
      this.o.log.info('adoption pass', { ...counts, lost: report.lost, unavailable: report.unavailable, recovered: report.recovered });
      this.drift.set(report.drift);
      return report;
    });
    this.adopting = run.then(() => undefined, () => undefined);
    return run;
  }

  /** A pool or parent that came or went: re-adopt now (Unavailable ↔ Ready), not at the next sweep. */
  private async checkPresence(): Promise<void> {
    try {
      if (await this.presence.refresh(this.stopSignal.signal)) {
        await this.adoptPresent(this.stopSignal.signal);
        void this.publisher.publish();
      }
    } catch (err) {
      this.o.log.warn('parent check failed; next check retries', { error: describeError(err).message });
    }
  }

  /**
   * Kubernetes evidence that a parent held data (src/provision/parent-presence.ts): a resource of ours in it
   * carries the finalizer, which the agent adds before it makes anything.
   */
  private holds(parent: string): boolean {
    const mine = (o: { metadata: ObjectMeta; spec: { nodeName: string } }): boolean => o.spec.nodeName === this.o.node && hasFinalizer(o.metadata);
    return this.volumes.list().some((v) => mine(v) && v.spec.parentDataset === parent)
      || this.snapshots.list().some((s) => mine(s) && s.status?.zfsName !== undefined && parentOfSnapshot(s.status.zfsName) === parent);
  }

  private async sweep(parent: string, signal?: AbortSignal): Promise<void> {
    const result = await this.o.provisioner.sweeper.sweep(parent, signal);
    if (result.destroyedVolumes.length > 0) this.capacity.invalidate();
    for (const id of result.destroyedVolumes) {
      this.o.log.info('retired volume destroyed: nothing needs its data any more', { volume: id });
      this.queue.add(`volume/${id}`);
    }
    await reportHolds(this.ctx, parent, result.held);
  }

  private async periodic(): Promise<void> {
    for (const parent of this.o.parents.filter((p) => this.presence.isPresent(p))) {
      try {
        await this.sweep(parent, this.stopSignal.signal);
      } catch (err) {
        this.o.log.warn('sweep of retired data failed; next sweep retries', { parent, error: describeError(err).message });
      }
    }
    await this.adoptPresent(this.stopSignal.signal).catch((err: unknown) => {
      this.o.log.warn('periodic adoption failed; next sweep retries', { error: describeError(err).message });
    });
  }

  /** Rescans the parents for managed objects without a resource. */
  refreshDrift(): Promise<void> {
    return this.drift.refresh();
  }
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallEvent, CallObserver } from '../grpc/adapter.js';
import type { CommandObserver } from '../zfs/exec.js';
import { coalesce } from './coalesce.js';
import { commandSample, type CommandBinaries } from './command.js';
import { GRPC_BUCKETS, METRIC, ZFS_BUCKETS } from './names.js';
import type { ForeignHeldTotals, MetricsSources, PhaseCounts, PoolCapacity } from './sources.js';

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop, GC); default true. */
  readonly defaultMetrics?: boolean;
  /** Told when a scrape-time source fails (the series are then left out of that scrape). */
  readonly onCollectError?: (source: 'inventory' | 'capacity', err: unknown) => void;
}

type PoolLabels = 'node' | 'parent';

/**
 * The driver's Prometheus metrics (issue 4 §3, docs/metrics.md). Each instance owns its Registry, not
 * prom-client's global one, so tests and several drivers in one process never clash. Labels are bounded:
 * method, code, subcommand, error class, phase, node, parent, kind; never a volume or snapshot id.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #grpc: Histogram<'method' | 'code'>;
  readonly #zfs: Histogram<'subcommand' | 'outcome'>;
  readonly #zfsFailures: Counter<'subcommand' | 'error_class'>;
  readonly #volumes: Gauge<'phase'>;
  readonly #snapshots: Gauge<'phase'>;
  readonly #retired: Gauge<PoolLabels>;
  readonly #heldByForeign: Gauge<PoolLabels>;
  readonly #heldByForeignBytes: Gauge<PoolLabels>;
  readonly #available: Gauge<PoolLabels>;
  readonly #used: Gauge<PoolLabels>;
  readonly #queueDepth: Gauge;
  readonly #drift: Gauge<'kind'>;
  readonly #onCollectError: MetricsOptions['onCollectError'];
  #inventory: (() => Promise<PhaseCounts | undefined>) | undefined;
  #capacity: (() => Promise<readonly PoolCapacity[] | undefined>) | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.#onCollectError = options.onCollectError;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#grpc = new Histogram({
      name: METRIC.grpcDuration, help: 'CSI gRPC calls by method and status code, in seconds.',
      labelNames: ['method', 'code'], buckets: [...GRPC_BUCKETS], registers,
    });
    this.#zfs = new Histogram({
      name: METRIC.zfsDuration, help: 'zfs/zpool commands by subcommand and outcome (ok, error), in seconds.',
      labelNames: ['subcommand', 'outcome'], buckets: [...ZFS_BUCKETS], registers,
    });
    this.#zfsFailures = new Counter({
      name: METRIC.zfsFailures, help: 'Failed zfs/zpool commands by subcommand and error class.',
      labelNames: ['subcommand', 'error_class'], registers,
    });
    const inventory = (gauge: () => Gauge<'phase'>, pick: (c: PhaseCounts) => Readonly<Record<string, number>>) =>
      () => this.#collectInventory(gauge(), pick);
    this.#volumes = new Gauge({
      name: METRIC.volumes, help: 'Volumes known to the driver, by phase.', labelNames: ['phase'], registers,
      collect: inventory(() => this.#volumes, (c) => c.volumes),
    });
    this.#snapshots = new Gauge({
      name: METRIC.snapshots, help: 'Snapshots known to the driver, by phase.', labelNames: ['phase'], registers,
      collect: inventory(() => this.#snapshots, (c) => c.snapshots),
    });
    const pool = (name: string, help: string, gauge: () => Gauge<PoolLabels>, pick: (p: PoolCapacity) => bigint | undefined) =>
      new Gauge({ name, help, labelNames: ['node', 'parent'], registers, collect: () => this.#collectCapacity(gauge(), pick) });
    this.#retired = pool(METRIC.retiredBytes, 'Bytes held by retired volumes (deleted, kept for snapshots or clones).',
      () => this.#retired, (p) => p.retiredBytes);
    this.#heldByForeign = new Gauge({
      name: METRIC.heldByForeign, help: 'Retired volumes that only snapshots the driver did not make keep on the pool.',
      labelNames: ['node', 'parent'], registers,
    });
    this.#heldByForeignBytes = new Gauge({
      name: METRIC.heldByForeignBytes, help: 'Bytes used by retired volumes that only snapshots the driver did not make keep.',
      labelNames: ['node', 'parent'], registers,
    });
    this.#available = pool(METRIC.poolAvailable, 'Bytes available to new volumes under the parent dataset.',
      () => this.#available, (p) => p.availableBytes);
    this.#used = pool(METRIC.poolUsed, 'Bytes used by the parent dataset and everything below it.',
      () => this.#used, (p) => p.usedBytes);
    this.#queueDepth = new Gauge({ name: METRIC.queueDepth, help: 'Keys waiting in the node agent\'s reconcile queue.', registers });
    this.#drift = new Gauge({
      name: METRIC.drift, help: 'Managed ZFS objects with no matching resource (reported, never touched), by kind.',
      labelNames: ['kind'], registers,
    });
  }

  /** Scrape-time sources; later calls replace the sources they name. */
  setSources(sources: MetricsSources): void {
    if (sources.inventory) this.#inventory = coalesce(sources.inventory);
    if (sources.capacity) this.#capacity = coalesce(sources.capacity);
  }

  /** For grpc/server.ts `onCall`. */
  readonly onCall: CallObserver = (event: CallEvent) => {
    this.#grpc.observe({ method: event.method, code: event.code }, event.durationMs / 1000);
  };

  /**
   * For ZfsCli `onCommand`; `prefix` is the configured command prefix (e.g. `chroot /host`), `binaries` the
   * configured zfs / zpool paths (needed only when their basenames are not `zfs` / `zpool`).
   */
  commandObserver(prefix: readonly string[] = [], binaries: CommandBinaries = {}): CommandObserver {
    return (event) => {
      const sample = commandSample(event, prefix, binaries);
      this.#zfs.observe({ subcommand: sample.subcommand, outcome: sample.outcome }, sample.seconds);
      if (sample.errorClass !== undefined) {
        this.#zfsFailures.inc({ subcommand: sample.subcommand, error_class: sample.errorClass });
      }
    };
  }

  /** Pushed capacity (the agent, after each ZfsNode refresh); a scrape-time capacity source overrides it. */
  setPoolCapacity(pools: readonly PoolCapacity[]): void {
    Metrics.#fill(this.#retired, pools, (p) => p.retiredBytes);
    Metrics.#fill(this.#available, pools, (p) => p.availableBytes);
    Metrics.#fill(this.#used, pools, (p) => p.usedBytes);
  }

  /** Pushed after each sweep (both modes): the whole picture, so a parent missing from it has no series. */
  setForeignHeld(totals: readonly ForeignHeldTotals[]): void {
    this.#heldByForeign.reset();
    this.#heldByForeignBytes.reset();
    for (const t of totals) {
      this.#heldByForeign.set({ node: t.node, parent: t.parent }, t.volumes);
      this.#heldByForeignBytes.set({ node: t.node, parent: t.parent }, Number(t.bytes));
    }
  }

  setReconcileQueueDepth(depth: number): void {
    this.#queueDepth.set(depth);
  }

  /** The whole drift picture, by kind: kinds missing from `counts` drop to no series. */
  setDriftObjects(counts: Readonly<Record<string, number>>): void {
    this.#drift.reset();
    for (const [kind, n] of Object.entries(counts)) this.#drift.set({ kind }, n);
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async #collectInventory(gauge: Gauge<'phase'>, pick: (c: PhaseCounts) => Readonly<Record<string, number>>) {
    if (!this.#inventory) return;
    gauge.reset();
    const counts = await this.#read('inventory', this.#inventory);
    if (!counts) return;
    for (const [phase, n] of Object.entries(pick(counts))) gauge.set({ phase }, n);
  }

  async #collectCapacity(gauge: Gauge<PoolLabels>, pick: (p: PoolCapacity) => bigint | undefined) {
    if (!this.#capacity) return;
    gauge.reset();
    const pools = await this.#read('capacity', this.#capacity);
    if (pools) Metrics.#fill(gauge, pools, pick);
  }

  async #read<T>(source: 'inventory' | 'capacity', read: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.#onCollectError?.(source, err);
      return undefined;
    }
  }

  static #fill(gauge: Gauge<PoolLabels>, pools: readonly PoolCapacity[], pick: (p: PoolCapacity) => bigint | undefined) {
    gauge.reset();
    for (const p of pools) {
      const bytes = pick(p);
      if (bytes !== undefined) gauge.set({ node: p.node, parent: p.parent }, Number(bytes));
    }
  }
}

/**
 * The node's ZfsNode: created when missing, its status refreshed every 30 s (docs/kubernetes-mode.md "Agent
 * start-up"). The controller reads it for placement and GetCapacity (DESIGN.md §3), so a pool that is not
 * there reports health UNAVAILABLE and no space rather than stale numbers.
 */
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import type { CapacityReport } from '../domain/types.js';
import type { CapacityCache } from '../provision/capacity.js';
import type { ParentCheck } from '../provision/parent-presence.js';
import type { KubeApi } from '../store/kube/api.js';
import { API_VERSION, KIND, PLURAL, type Condition, type ParentStatus, type ZfsNodeStatus } from '../store/kube/resources.js';
import type { Zfs } from '../zfs/zfs.js';
import { poolOf } from './zfs-state.js';

export interface NodeHealth {
  /** Start-up adoption is done. */
  readonly adopted: boolean;
  /** Managed objects without a resource (DESIGN.md §4 rule 7: reported, never touched). */
  readonly drift: readonly string[];
  /** The agent's last look at each parent (src/agent/presence.ts); empty before the first. */
  readonly parents: readonly ParentCheck[];
}

export interface NodePublisherDeps {
  readonly api: KubeApi;
  readonly zfs: Zfs;
  readonly node: string;
  readonly parents: readonly string[];
  readonly capacity: CapacityCache;
  readonly agentVersion: string;
  readonly health: () => NodeHealth;
  /** host:port of the node's transfer endpoint, when it serves one (issue #8). */
  readonly transferEndpoint?: () => string | undefined;
  readonly log: Logger;
  /** Default 30 s. */
  readonly intervalMs?: number;
  readonly clock?: () => Date;
}

const DRIFT_NAMES_SHOWN = 20;

export class NodePublisher {
  private timer: NodeJS.Timeout | undefined;
  private conditions: Condition[] = [];
  private exists = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: NodePublisherDeps) {}

  start(): void {
    void this.publish();
    this.timer = setInterval(() => void this.publish(), this.deps.intervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One refresh now (serialised with the periodic ones); failures are logged, the next tick retries. */
  publish(): Promise<void> {
    this.running = this.running.then(() => this.publishOnce()).catch((err: unknown) => {
      this.deps.log.warn('cannot publish ZfsNode status; next heartbeat retries', { error: describeError(err).message });
    });
    return this.running;
  }

  private async publishOnce(): Promise<void> {
    if (!this.exists) await this.ensureNode();
    const status = await this.status();
    await this.deps.api.patchStatus(PLURAL.node, this.deps.node, status);
  }

  private async ensureNode(): Promise<void> {
    const existing = await this.deps.api.get(PLURAL.node, this.deps.node);
    if (existing === undefined) {
      try {
        await this.deps.api.create(PLURAL.node, { apiVersion: API_VERSION, kind: KIND.node, metadata: { name: this.deps.node }, spec: {} });
        this.deps.log.info('created ZfsNode', { node: this.deps.node });
      } catch (err) {
        if (describeError(err).code !== 'ALREADY_EXISTS') throw err;
      }
    }
    this.exists = true;
  }

  private async status(): Promise<ZfsNodeStatus> {
    const now = (this.deps.clock ?? (() => new Date()))();
    const caps = await this.deps.zfs.capabilities().catch(() => undefined);
    const parents = await this.parents();
    const health = this.deps.health();
    const poolsOk = parents.every((p) => p.health === 'ONLINE' || p.health === 'DEGRADED');
    const missing = health.parents.filter((c) => c.state === 'parent-missing');
    const away = health.parents.filter((c) => c.state === 'pool-unavailable');
    const ready = health.adopted && poolsOk && missing.length === 0;
    const readyReason = !poolsOk ? 'PoolUnavailable' : missing.length > 0 ? 'ParentMissing' : health.adopted ? 'Adopted' : 'Starting';
    const readyMessage = !poolsOk ? 'a pool behind a parent dataset is not imported or not healthy'
      : missing.length > 0 ? 'a parent dataset is missing; its volumes are Unavailable'
      : health.adopted ? 'resources adopted; reconciling' : 'waiting for pools and start-up adoption';
    const said = (checks: readonly ParentCheck[], none: string): string => checks.map((c) => c.message).join('; ') || none;
    const drift = health.drift;
    const driftMessage = drift.length === 0 ? 'every managed dataset has a resource'
      : `${drift.length} managed object(s) without a resource: ${drift.slice(0, DRIFT_NAMES_SHOWN).join(', ')}`;
    this.conditions = [
      this.condition('Ready', ready, readyReason, readyMessage, now),
      this.condition('Drift', drift.length > 0, drift.length > 0 ? 'UnmanagedData' : 'NoDrift', driftMessage, now),
      // DESIGN.md §4 rule 10: what the agent cannot see is named here, never reported as destroyed.
      this.condition('PoolUnavailable', away.length > 0, away.length > 0 ? 'PoolNotImported' : 'PoolsImported',
        said(away, 'every pool behind a parent is imported'), now),
      this.condition('ParentMissing', missing.length > 0, missing.length > 0 ? 'ParentDatasetMissing' : 'ParentsPresent',
        said(missing, 'every parent dataset is present'), now),
    ];
    const endpoint = this.deps.transferEndpoint?.();
    return {
      parents,
      ...(endpoint === undefined ? {} : { transferEndpoint: endpoint }),
      implementation: caps?.implementation ?? 'unknown',
      zfsVersion: caps?.version ?? 'unknown',
      agentVersion: this.deps.agentVersion,
      lastHeartbeat: now.toISOString(),
      conditions: this.conditions,
    };
  }

  /** Keeps lastTransitionTime when the status did not change (Kubernetes condition convention). */
  private condition(type: string, value: boolean, reason: string, message: string, now: Date): Condition {
    const status = value ? 'True' : 'False';
    const previous = this.conditions.find((c) => c.type === type);
    const lastTransitionTime = previous && previous.status === status ? previous.lastTransitionTime : now.toISOString();
    return { type, status, reason, message, lastTransitionTime };
  }

  private async parents(): Promise<ParentStatus[]> {
    const { zfs, parents } = this.deps;
    const pools = [...new Set(parents.map(poolOf))];
    const healths = new Map(await Promise.all(pools.map(async (p) => [p, await zfs.poolHealth(p).catch(() => undefined)] as const)));
    let reports: readonly CapacityReport[] = [];
    let used = new Map<string, string>();
    if ([...healths.values()].every((h) => h !== undefined)) {
      try {
        reports = await this.deps.capacity.get();
        const infos = await zfs.get(parents, ['used']);
        used = new Map(infos.map((i) => [i.name, i.props.get('used') ?? '0']));
      } catch (err) {
        this.deps.log.warn('cannot read parent capacity', { error: describeError(err).message });
      }
    }
    return parents.map((parent) => {
      const report = reports.find((r) => r.parent === parent);
      return {
        parent,
        pool: poolOf(parent),
        health: healths.get(poolOf(parent)) ?? 'UNAVAILABLE',
        availableBytes: (report?.availableBytes ?? 0n).toString(),
        usedBytes: used.get(parent) ?? '0',
        retiredBytes: (report?.retiredBytes ?? 0n).toString(),
      };
    });
  }
}

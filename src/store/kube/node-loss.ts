/**
 * Node loss (docs/kubernetes-mode.md, "Node loss"): when a Kubernetes Node object disappears, the
 * ZfsVolumes and ZfsSnapshots of that node get `phase: Lost` (a status patch; data is never touched), the
 * node stops being offered for new volumes, and its ZfsTransfers are settled (transfer-loss.ts: a deleted one
 * loses the gone target's finalizer, an unfinished one is discarded).
 */
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { KubeApi, Plural } from './api.js';
import type { ResourceCache } from './cache.js';
import { PLURAL, type ZfsNode, type ZfsSnapshot, type ZfsTransfer, type ZfsVolume } from './resources.js';
import { listTransfers, settleTransfers } from './transfer-loss.js';

/** true: the Node exists; false: it is gone (404); undefined: could not tell (keep the last answer). */
export type NodeExists = (name: string) => Promise<boolean | undefined>;

export function coreNodeExists(kc: KubeConfig): NodeExists {
  const core = kc.makeApiClient(CoreV1Api);
  return async (name) => {
    try {
      await core.readNode({ name });
      return true;
    } catch (err) {
      return err instanceof ApiException && err.code === 404 ? false : undefined;
    }
  };
}

export interface NodeLossDeps {
  readonly api: KubeApi;
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly nodes: ResourceCache<ZfsNode>;
  readonly nodeExists: NodeExists;
  readonly log: Logger;
  /** Between checks; default 30 s. */
  readonly intervalMs?: number;
  /**
   * Whether this replica may write (it holds the leader Lease, leader.ts). Every replica keeps its view of
   * gone nodes (placement reads it); only the leader marks resources Lost. Default: always.
   */
  readonly mayWrite?: () => boolean;
  /** Namespace for the Events about settled ZfsTransfers (the controller's own); none when unset. */
  readonly eventNamespace?: string;
}

export class NodeLossMonitor {
  private readonly gone = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: NodeLossDeps) {}

  isGone(node: string): boolean {
    return this.gone.has(node);
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass (never two at once); errors are logged, the next pass tries again. */
  check(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private candidates(transfers: readonly ZfsTransfer[]): Set<string> {
    const names = new Set<string>();
    for (const t of transfers) names.add(t.spec.nodeName).add(t.spec.targetNode);
    for (const v of this.deps.volumes.list()) names.add(v.spec.nodeName);
    for (const s of this.deps.snapshots.list()) names.add(s.spec.nodeName);
    for (const n of this.deps.nodes.list()) names.add(n.metadata.name);
    return names;
  }

  private async pass(): Promise<void> {
    const mayWrite = (): boolean => this.deps.mayWrite?.() ?? true;
    // Listed before the nodes are asked about: a transfer that changes meanwhile (its agent is back) then
    // carries a newer resourceVersion than the one the decision is made on, and the guarded patch refuses.
    const transfers = mayWrite() ? await listTransfers(this.deps) : undefined;
    // Only this pass's 404s count for transfers; a node kept in `gone` from an earlier pass may be back.
    const goneNow = new Set<string>();
    for (const node of this.candidates(transfers ?? [])) {
      const exists = await this.deps.nodeExists(node);
      if (exists === true) this.gone.delete(node);
      if (exists !== false) continue;
      if (!this.gone.has(node)) this.deps.log.warn('Kubernetes node is gone: marking its volumes and snapshots Lost', { node });
      this.gone.add(node);
      goneNow.add(node);
      if (mayWrite()) await this.markLost(node);
    }
    if (transfers !== undefined && goneNow.size > 0 && mayWrite()) await settleTransfers(this.deps, transfers, goneNow);
  }

  private async markLost(node: string): Promise<void> {
    const message = `node ${node} no longer exists in Kubernetes; the data was not touched`;
    const stale = (o: ZfsVolume | ZfsSnapshot): boolean =>
      o.spec.nodeName === node && o.status?.phase !== 'Lost' && o.metadata.deletionTimestamp === undefined;
    const targets: [Plural, string][] = [
      ...this.deps.volumes.list().filter(stale).map((v): [Plural, string] => [PLURAL.volume, v.metadata.name]),
      ...this.deps.snapshots.list().filter(stale).map((s): [Plural, string] => [PLURAL.snapshot, s.metadata.name]),
    ];
    for (const [plural, name] of targets) {
      try {
        await this.deps.api.patchStatus(plural, name, { phase: 'Lost', message });
      } catch (err) {
        this.deps.log.warn('could not mark a resource Lost', {
          resource: `${plural}/${name}`, error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
}

/**
 * The controller's three watched caches (every ZfsVolume, ZfsSnapshot and ZfsNode: no label selector) and
 * whether each has really been listed once. ResourceCache.isSynced turns true even when the first list
 * failed (the informer reports the error and retries later), and an empty cache would let a retried
 * CreateVolume miss its own resource and make a second one; so sync is tracked at the list itself.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { KubeApi, type ListResult, type Plural } from './api.js';
import { ResourceCache } from './cache.js';
import { decodeNode, decodeSnapshot } from './decode.js';
import { decodeControllerVolume, type ControllerVolume } from './records.js';
import { PLURAL, type ZfsNode, type ZfsSnapshot } from './resources.js';

/** A KubeApi that remembers which kinds it has listed successfully. */
class ListTrackingApi extends KubeApi {
  readonly listed = new Set<Plural>();

  override async list(plural: Plural, labelSelector?: string): Promise<ListResult> {
    const result = await super.list(plural, labelSelector);
    this.listed.add(plural);
    return result;
  }
}

export class ControllerCaches {
  readonly api: KubeApi;
  readonly volumes: ResourceCache<ControllerVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly nodes: ResourceCache<ZfsNode>;
  private readonly tracking: ListTrackingApi;

  constructor(kc: KubeConfig, log: Logger) {
    this.tracking = new ListTrackingApi(kc);
    this.api = this.tracking;
    const onError = (plural: Plural) => (err: unknown): void => {
      log.warn('watch of custom resources failed; restarting', { plural, error: err instanceof Error ? err.message : String(err) });
    };
    this.volumes = new ResourceCache(this.api, PLURAL.volume, decodeControllerVolume, undefined, onError(PLURAL.volume));
    this.snapshots = new ResourceCache(this.api, PLURAL.snapshot, decodeSnapshot, undefined, onError(PLURAL.snapshot));
    this.nodes = new ResourceCache(this.api, PLURAL.node, decodeNode, undefined, onError(PLURAL.node));
  }

  /** Starts the three watches; a failed first list is retried by the cache until it succeeds. */
  async start(): Promise<void> {
    await Promise.all([this.volumes.start(), this.snapshots.start(), this.nodes.start()]);
  }

  /** Every kind listed at least once, so the caches hold the whole truth (or a moment-old copy of it). */
  synced(): boolean {
    return [PLURAL.volume, PLURAL.snapshot, PLURAL.node].every((p) => this.tracking.listed.has(p)) &&
      this.volumes.isSynced && this.snapshots.isSynced && this.nodes.isSynced;
  }

  async stop(): Promise<void> {
    await Promise.all([this.volumes.stop(), this.snapshots.stop(), this.nodes.stop()]);
  }
}

/**
 * The agent's writes to one kind of resource: its finalizer (metadata) and its status. Finalizer changes
 * carry the object's resourceVersion, so a concurrent change makes them conflict (ABORTED, retried) instead of
 * overwriting a list someone else just changed (docs/kubernetes-mode.md "Agent creates").
 */
import type { KubeApi, Plural } from '../store/kube/api.js';
import type { ResourceCache } from '../store/kube/cache.js';
import { FINALIZER, type ObjectMeta } from '../store/kube/resources.js';

export class ResourceWriter<T extends { readonly metadata: ObjectMeta }> {
  constructor(
    private readonly api: KubeApi,
    private readonly plural: Plural,
    private readonly cache: ResourceCache<T>,
  ) {}

  /** Creates the resource (CR recovery only); the answer is applied to the cache, undefined if it does not decode. */
  async create(body: object): Promise<T | undefined> {
    const epoch = this.cache.epoch;
    return this.cache.observe(await this.api.create(this.plural, body), epoch);
  }

  /** Adds the finalizer; returns the updated object (also applied to the cache for the next read). */
  async addFinalizer(obj: T): Promise<T> {
    const finalizers = [...(obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), FINALIZER];
    const epoch = this.cache.epoch;
    const raw = await this.api.patch(this.plural, obj.metadata.name, {
      metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers },
    });
    return this.cache.observe(raw, epoch) ?? obj;
  }

  /**
   * Removes the finalizer. The answer is not applied to the cache: when it was the last finalizer the object
   * is gone, and re-adding the last state would resurrect it there after the watch's DELETED event.
   */
  async removeFinalizer(obj: T): Promise<void> {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await this.api.patch(this.plural, obj.metadata.name, {
      metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers },
    });
  }

  /** Merge patch of status (null removes a field); the result is applied to the cache. */
  async patchStatus(obj: T, status: Record<string, unknown>): Promise<T> {
    const epoch = this.cache.epoch;
    const raw = await this.api.patchStatus(this.plural, obj.metadata.name, status);
    return this.cache.observe(raw, epoch) ?? obj;
  }
}

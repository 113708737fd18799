/**
 * The agent's two watches (this node's ZfsVolumes and ZfsSnapshots, by label selector) and what turns a watched
 * change into a queued reconcile: spec (generation), deletion and our finalizer; status echoes are not.
 */
import type { KubeApi, Plural } from '../store/kube/api.js';
import type { ResourceCache } from '../store/kube/cache.js';
import { decodeSnapshot, decodeVolume } from '../store/kube/decode.js';
import { NODE_LABEL, PLURAL, type ObjectMeta, type ZfsSnapshot, type ZfsVolume } from '../store/kube/resources.js';
import type { Enqueue } from './adopt.js';
import { hasFinalizer } from './records.js';

export interface WatchDeps {
  readonly api: KubeApi;
  readonly node: string;
  readonly volumes: ResourceCache<ZfsVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
}

const trigger = (m: ObjectMeta): string =>
  `${m.generation ?? m.resourceVersion ?? ''}|${m.deletionTimestamp ?? ''}|${hasFinalizer(m)}`;

/** Starts both watches once; then checks the caches hold what a fresh list holds (a failed first list is silent). */
export async function startWatches(deps: WatchDeps, enqueue: Enqueue): Promise<void> {
  const pairs = [[deps.volumes, PLURAL.volume, 'volume'], [deps.snapshots, PLURAL.snapshot, 'snapshot']] as const;
  for (const [cache, plural, kind] of pairs) {
    const c = cache as ResourceCache<ZfsVolume | ZfsSnapshot>;
    if (!c.isSynced) {
      await c.start();
      follow(c, kind, enqueue);
    }
    await assertCached(deps, c, plural);
  }
}

async function assertCached(deps: WatchDeps, cache: ResourceCache<ZfsVolume | ZfsSnapshot>, plural: Plural): Promise<void> {
  const list = await deps.api.list(plural, `${NODE_LABEL}=${deps.node}`);
  const decode = plural === PLURAL.volume ? decodeVolume : decodeSnapshot;
  const missing = list.items.map((raw) => decode(raw)?.metadata.name).filter((n) => n !== undefined && !cache.get(n));
  if (missing.length > 0) throw new Error(`${plural} watch has not caught up yet (${missing.length} missing)`);
}

/** Queues a key when something a reconcile acts on changed (coalesced by the queue). */
function follow(cache: ResourceCache<ZfsVolume | ZfsSnapshot>, kind: 'volume' | 'snapshot', enqueue: Enqueue): void {
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
    enqueue(kind, name);
  });
}

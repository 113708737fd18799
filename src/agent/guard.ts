/**
 * Runs one reconcile step and records its failure on the resource: status code/message (failure.ts) and a
 * Warning Event, each once per distinct failure so a retried failure does not flood the API server.
 * Terminal failures end the step (the controller decides what next); others are rethrown for the backoff.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { ResourceCache } from '../store/kube/cache.js';
import type { ObjectMeta } from '../store/kube/resources.js';
import type { Zfs } from '../zfs/zfs.js';
import { involvedOf, type EventSink, type Involved } from './events.js';
import { failureOf, failureStatus, isApiFailure } from './failure.js';
import type { ResourceWriter } from './writer.js';
import { poolOf } from './zfs-state.js';

interface Guardable {
  readonly metadata: ObjectMeta;
  readonly status?: { readonly phase?: string; readonly code?: ErrorCode; readonly message?: string };
}

export interface GuardDeps<T extends Guardable> {
  readonly zfs: Zfs;
  readonly events: EventSink;
  readonly cache: ResourceCache<T>;
  readonly writer: ResourceWriter<T>;
  readonly kind: Involved['kind'];
}

export async function guarded<T extends Guardable>(
  deps: GuardDeps<T>,
  obj: T,
  parent: string,
  reason: string,
  step: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (isApiFailure(err) || signal.aborted) throw err;
    const failure = await failureOf(err, async () => (await deps.zfs.poolHealth(poolOf(parent))) !== undefined);
    const current = deps.cache.get(obj.metadata.name) ?? obj;
    const st = current.status;
    if (st?.code !== failure.code || st.message !== failure.message) {
      await deps.events.warning(involvedOf(deps.kind, obj.metadata), reason, failure.message);
      await deps.writer.patchStatus(current, failureStatus(st, failure, current.metadata.generation));
    }
    if (!failure.terminal) throw err;
  }
}

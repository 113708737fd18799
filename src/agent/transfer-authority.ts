/**
 * The receiving side's rule in Kubernetes mode (issue #8): a stream gets in only while a ZfsTransfer names
 * it exactly: this node as target, the certificate's node as sender, the offered snapshot and volume, and the
 * parent. The agent's watch of transfers targeting it may lag the sender by a moment, so a miss is read again
 * from the API server before it is refused.
 */
import { DriverError } from '../domain/errors.js';
import type { KubeApi } from '../store/kube/api.js';
import type { ResourceCache } from '../store/kube/cache.js';
import { decodeTransfer } from '../store/kube/decode.js';
import { PLURAL, type ZfsTransfer } from '../store/kube/resources.js';
import { TransferError } from '../transfer/errors.js';
import type { Offer } from '../transfer/wire.js';
import { hasFinalizer } from './records.js';
import type { ResourceWriter } from './writer.js';

export interface AuthorityDeps {
  readonly api: KubeApi;
  readonly node: string;
  readonly incoming: ResourceCache<ZfsTransfer>;
  readonly writer: ResourceWriter<ZfsTransfer>;
}

const refuse = (message: string): TransferError => new TransferError('FAILED_PRECONDITION', message);

export function transferAuthority(deps: AuthorityDeps): (offer: Offer, peer: string) => Promise<void> {
  return async (offer, peer) => {
    const t = deps.incoming.get(offer.transfer) ?? await fresh(deps.api, offer.transfer);
    if (t === undefined) throw refuse(`no ZfsTransfer ${offer.transfer} exists: node ${deps.node} accepts only streams a transfer names`);
    const s = t.spec;
    const mismatch =
      s.targetNode !== deps.node ? `its target is ${s.targetNode}, not this node`
      : s.nodeName !== peer ? `its sender is ${s.nodeName}, not ${peer}`
      : s.snapshotId !== offer.snapshot.id ? `it copies snapshot ${s.snapshotId}, not ${offer.snapshot.id}`
      : s.volumeId !== offer.volume.id ? `it copies a snapshot of volume ${s.volumeId}, not ${offer.volume.id}`
      : s.targetParent !== offer.parent ? `it receives into ${s.targetParent ?? 'the first parent'}, not ${offer.parent ?? 'the first parent'}`
      : undefined;
    if (mismatch !== undefined) throw refuse(`ZfsTransfer ${offer.transfer} does not allow this stream: ${mismatch}`);
    if (t.metadata.deletionTimestamp !== undefined || t.spec.deletionRequested === true || t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed') {
      throw refuse(`ZfsTransfer ${offer.transfer} is ${t.status?.phase ?? 'being deleted'}; a new copy needs a new transfer`);
    }
    // Held before the first byte: the copy is this node's to destroy when its snapshot is deleted (copy-keeper.ts).
    if (!hasFinalizer(t.metadata)) await holdFinalizer(deps, t);
  };
}

/**
 * The sender writes this resource's status while it connects, so the cached resourceVersion is often a step
 * behind: on a conflict the object is read again, a few times, before the stream is refused as ABORTED.
 */
async function holdFinalizer(deps: AuthorityDeps, t: ZfsTransfer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.writer.addFinalizer(t);
      return;
    } catch (err) {
      if (!(err instanceof DriverError && err.code === 'ABORTED') || attempt >= 5) throw err;
      const again = await fresh(deps.api, t.metadata.name);
      if (again === undefined) throw refuse(`ZfsTransfer ${t.metadata.name} was deleted`);
      if (hasFinalizer(again.metadata)) return;
      t = again;
    }
  }
}

async function fresh(api: KubeApi, name: string): Promise<ZfsTransfer | undefined> {
  const raw = await api.get(PLURAL.transfer, name);
  return raw === undefined ? undefined : decodeTransfer(raw);
}

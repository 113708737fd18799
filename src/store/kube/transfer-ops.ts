/**
 * Restore anywhere (issue #8): a CreateVolume from a snapshot whose node the topology does not allow copies
 * the snapshot to the chosen node first, as a ZfsTransfer that the two agents carry out. The external
 * provisioner gives a call about 10 s, and a copy can take minutes: the call waits a few seconds, then
 * answers ABORTED with the progress, and the CO's retry finds the same transfer by its name.
 */
import { transferIdFor } from '../../csi/ids.js';
import { DriverError } from '../../domain/errors.js';
import type { SnapshotRecord } from '../../domain/types.js';
import { decodeTransfer } from './decode.js';
import { bounded, discard, discardQuietly, KubeBackendError, type KubeOpsContext } from './ops-common.js';
import { API_VERSION, KIND, NODE_LABEL, PLURAL, SNAPSHOT_LABEL, TARGET_NODE_LABEL, type ZfsTransfer, type ZfsTransferStatus } from './resources.js';

/** How long one call waits for a copy to finish before it answers ABORTED (below the sidecar's 10 s). */
export const COPY_WAIT_MS = 4000;
const POLL_MS = 100;

export interface CopyRequest {
  readonly snapshot: SnapshotRecord;
  readonly targetNode: string;
  /** The target's parent: the restore's clone must be in the same pool as the copy. */
  readonly targetParent: string;
}

/**
 * Resolves with the finished transfer's status once the copy is on the target; ABORTED while it is being
 * made; the transfer's code if it failed.
 */
export async function copySnapshot(ctx: KubeOpsContext, req: CopyRequest, signal: AbortSignal, waitMs = COPY_WAIT_MS): Promise<ZfsTransferStatus> {
  const name = transferIdFor(req.snapshot.id, req.targetNode, req.targetParent);
  const found = await read(ctx, name, signal);
  if (found === undefined || !finished(found)) refuseGoneNodes(ctx, req, name);
  let t = found ?? (await create(ctx, name, req, signal));
  const deadline = Date.now() + waitMs;
  while (!finished(t) && Date.now() < deadline && !signal.aborted) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    t = (await read(ctx, name, signal)) ?? t;
  }
  const st = t.status ?? {};
  const what = `snapshot ${req.snapshot.id} to node ${req.targetNode}`;
  if (t.metadata.deletionTimestamp !== undefined || t.spec.deletionRequested === true) {
    throw new KubeBackendError('ABORTED', `an earlier copy of ${what} (ZfsTransfer ${name}) is being removed; retry`);
  }
  if (st.phase === 'Succeeded') return st;
  if (st.phase === 'Failed') {
    // Cleared (with whatever it left on the target) so that a later CreateVolume starts a fresh copy.
    await bounded(discardQuietly(ctx, PLURAL.transfer, name), signal, `deleting ${name}`);
    throw new KubeBackendError(st.code ?? 'INTERNAL', `copying ${what} failed (ZfsTransfer ${name}): ${st.message ?? 'no message'}`);
  }
  const progress = st.bytes === undefined ? (st.phase ?? 'Pending') : `${st.step ?? st.phase ?? ''} ${st.bytes} of ~${st.estimateBytes ?? '?'} bytes`;
  const last = st.code === undefined ? '' : `; last attempt: ${st.code} ${st.message ?? ''}`;
  throw new KubeBackendError('ABORTED', `copying ${what} for this restore (ZfsTransfer ${name}: ${progress}${last}); retry`);
}

const finished = (t: ZfsTransfer): boolean => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';

/**
 * A copy from or to a node whose Kubernetes Node is gone can never finish, and node loss discards such a
 * transfer (transfer-loss.ts): asking for it again would only start that cycle over on every retry. A copy
 * already made (Succeeded) is still used: it does not need the sender any more.
 */
function refuseGoneNodes(ctx: KubeOpsContext, req: CopyRequest, name: string): void {
  const gone = [req.snapshot.node, req.targetNode].find((n) => ctx.nodeGone(n));
  if (gone === undefined) return;
  throw new KubeBackendError('UNAVAILABLE',
    `snapshot ${req.snapshot.id} cannot be copied to node ${req.targetNode} (ZfsTransfer ${name}): node ${gone} no longer exists in Kubernetes`);
}

async function read(ctx: KubeOpsContext, name: string, signal: AbortSignal): Promise<ZfsTransfer | undefined> {
  const raw = await bounded(ctx.api.get(PLURAL.transfer, name), signal, `reading ${PLURAL.transfer}/${name}`);
  return raw === undefined ? undefined : decodeTransfer(raw);
}

async function create(ctx: KubeOpsContext, name: string, req: CopyRequest, signal: AbortSignal): Promise<ZfsTransfer> {
  const body = {
    apiVersion: API_VERSION, kind: KIND.transfer,
    metadata: { name, labels: { [NODE_LABEL]: req.snapshot.node, [TARGET_NODE_LABEL]: req.targetNode, [SNAPSHOT_LABEL]: req.snapshot.id } },
    spec: {
      snapshotId: req.snapshot.id, volumeId: req.snapshot.sourceVolumeId, nodeName: req.snapshot.node,
      targetNode: req.targetNode, targetParent: req.targetParent,
    },
  };
  try {
    const made = decodeTransfer(await bounded(ctx.api.create(PLURAL.transfer, body), signal, `creating ${name}`));
    if (made) ctx.log.info('copying a snapshot for a restore on another node', { transfer: name, snapshot: req.snapshot.id, from: req.snapshot.node, to: req.targetNode });
    if (made) return made;
  } catch (err) {
    // A concurrent call made it first: read that one.
    if (!(err instanceof DriverError && (err.code === 'ALREADY_EXISTS' || err.code === 'ABORTED'))) throw err;
  }
  const existing = await read(ctx, name, signal);
  if (!existing) throw new KubeBackendError('ABORTED', `ZfsTransfer ${name} was removed while being created; retry`);
  return existing;
}

/**
 * DeleteSnapshot removes the copies of the snapshot with it: each of its ZfsTransfers gets the deletion
 * intent (the target's agent destroys the copy, deferred while restores need it) and is deleted.
 */
export async function discardCopies(ctx: KubeOpsContext, snapshotId: string, signal: AbortSignal): Promise<void> {
  const list = await bounded(ctx.api.list(PLURAL.transfer, `${SNAPSHOT_LABEL}=${snapshotId}`), signal, `listing the copies of ${snapshotId}`);
  for (const t of list.items.flatMap((raw) => decodeTransfer(raw) ?? [])) {
    if (t.spec.snapshotId !== snapshotId) continue;
    await bounded(discard(ctx, PLURAL.transfer, t.metadata.name), signal, `deleting ${t.metadata.name}`);
  }
}

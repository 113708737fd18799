/**
 * Node loss for ZfsTransfers (issue #8; docs/replication.md "Kubernetes mode: ZfsTransfer" and "Limits",
 * docs/kubernetes-mode.md "Node loss"). Leader only, on the evidence that marks resources Lost: the node's
 * core Node object answered 404 in this very pass ("could not tell" never counts).
 *
 * - Deleted, target gone: the finalizer is the target agent's, and that agent will never run again, so the
 *   controller removes it. The patch carries the resourceVersion it decided on: if anything changed since
 *   (a returning agent), it conflicts and the next pass decides again. Nothing destroys the copy: it is
 *   unseen, not known gone; a returning agent reports it as drift (src/agent/adopt.ts driftOf).
 * - Unfinished (not Succeeded or Failed), sender or target gone: it can never finish, and the sender would
 *   retry towards a dead peer for ever. It is discarded the way copySnapshot discards a Failed copy (deletion
 *   intent, then delete), so a live target destroys whatever it received and drops its finalizer, and a
 *   CreateVolume retry asks for a fresh copy towards a live node.
 * Succeeded or Failed transfers that are not deleted are left: they still stand for a copy (or a failure the
 * next CreateVolume relays), and DeleteSnapshot or copySnapshot deletes them later, which the first rule serves.
 */
import type { Logger } from 'winston';
import { describeError, DriverError } from '../../domain/errors.js';
import type { KubeApi } from './api.js';
import { decodeTransfer } from './decode.js';
import { FINALIZER, KIND, PLURAL, type ZfsTransfer } from './resources.js';

export const EVENT_COMPONENT = 'zfs-csi-controller';

export interface TransferLossDeps {
  readonly api: KubeApi;
  readonly log: Logger;
  /** Where Events about transfers go (cluster-scoped resources, so the controller's own namespace); none when unset. */
  readonly eventNamespace?: string;
}

/** Every ZfsTransfer; undefined when the list failed (the pass then leaves transfers to the next one). */
export async function listTransfers(deps: TransferLossDeps): Promise<ZfsTransfer[] | undefined> {
  try {
    return (await deps.api.list(PLURAL.transfer)).items.flatMap((raw) => decodeTransfer(raw) ?? []);
  } catch (err) {
    deps.log.warn('could not list ZfsTransfers for the node-loss check', { error: describeError(err).message });
    return undefined;
  }
}

/** Applies the two rules above to each transfer; one failure does not stop the others. */
export async function settleTransfers(deps: TransferLossDeps, transfers: readonly ZfsTransfer[], gone: ReadonlySet<string>): Promise<void> {
  for (const t of transfers) {
    try {
      await settle(deps, t, gone);
    } catch (err) {
      deps.log.warn('could not settle a ZfsTransfer of a gone node; the next pass tries again', {
        transfer: t.metadata.name, error: describeError(err).message,
      });
    }
  }
}

const finished = (t: ZfsTransfer): boolean => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';
const heldByTarget = (t: ZfsTransfer): boolean => (t.metadata.finalizers ?? []).includes(FINALIZER);
const isConflict = (err: unknown): boolean => err instanceof DriverError && err.code === 'ABORTED';
const isNotFound = (err: unknown): boolean => err instanceof DriverError && err.code === 'NOT_FOUND';

async function settle(deps: TransferLossDeps, t: ZfsTransfer, gone: ReadonlySet<string>): Promise<void> {
  let deleting: ZfsTransfer | undefined = t;
  if (t.metadata.deletionTimestamp === undefined) {
    const lost = [t.spec.nodeName, t.spec.targetNode].find((n) => gone.has(n));
    if (finished(t) || lost === undefined) return;
    if (!(await abandon(deps, t, lost))) return;
    // The delete leaves the object while the target's finalizer holds it: read what it is now.
    const raw = await deps.api.get(PLURAL.transfer, t.metadata.name);
    deleting = raw === undefined ? undefined : decodeTransfer(raw);
  }
  if (deleting?.metadata.deletionTimestamp === undefined || !gone.has(deleting.spec.targetNode) || !heldByTarget(deleting)) return;
  await release(deps, deleting);
}

/** Deletion intent (guarded by the resourceVersion the decision was made on), then delete. False: it changed or went. */
async function abandon(deps: TransferLossDeps, t: ZfsTransfer, lost: string): Promise<boolean> {
  const name = t.metadata.name;
  if (t.metadata.resourceVersion === undefined) return false;
  try {
    await deps.api.patch(PLURAL.transfer, name, { metadata: { resourceVersion: t.metadata.resourceVersion }, spec: { deletionRequested: true } });
    await deps.api.delete(PLURAL.transfer, name);
  } catch (err) {
    if (isNotFound(err)) return false;
    if (!isConflict(err)) throw err;
    deps.log.info('ZfsTransfer changed while its node was found gone; the next pass looks again', { transfer: name });
    return false;
  }
  const role = lost === t.spec.nodeName ? 'sender' : 'target';
  await note(deps, t, 'TransferAbandoned',
    `node ${lost} (the ${role}) no longer exists in Kubernetes: this unfinished copy of snapshot ${t.spec.snapshotId} `
    + `from ${t.spec.nodeName} to ${t.spec.targetNode} can never finish and was deleted; a restore that needs it asks for a new one`);
  return true;
}

/** Drops the gone target's finalizer, exactly as that agent would after dealing with its copy. */
async function release(deps: TransferLossDeps, t: ZfsTransfer): Promise<void> {
  const name = t.metadata.name;
  if (t.metadata.resourceVersion === undefined) return;
  const finalizers = (t.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  try {
    await deps.api.patch(PLURAL.transfer, name, { metadata: { resourceVersion: t.metadata.resourceVersion, finalizers } });
  } catch (err) {
    if (isNotFound(err)) return;
    if (!isConflict(err)) throw err;
    deps.log.info('ZfsTransfer changed since it was read (its agent may be back); the next pass looks again', { transfer: name });
    return;
  }
  const copy = t.status?.targetSnapshot ?? `snapshot ${t.spec.snapshotId} under ${t.spec.targetParent ?? 'its first parent'}`;
  await note(deps, t, 'CopyReleased',
    `node ${t.spec.targetNode} no longer exists in Kubernetes, so its agent cannot drop this transfer's finalizer; the controller did. `
    + `The copy (${copy}) was not destroyed: if the node returns, its agent reports it as drift`);
}

async function note(deps: TransferLossDeps, t: ZfsTransfer, reason: string, message: string): Promise<void> {
  deps.log.warn(message, { transfer: t.metadata.name, reason });
  if (deps.eventNamespace === undefined) return;
  const involved = { kind: KIND.transfer, name: t.metadata.name, ...(t.metadata.uid === undefined ? {} : { uid: t.metadata.uid }) };
  await deps.api.event(deps.eventNamespace, involved, 'Warning', reason, message, EVENT_COMPONENT);
}

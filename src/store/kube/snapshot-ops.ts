/**
 * Snapshot life cycle on the controller side (docs/kubernetes-mode.md, "Snapshot life cycle"): the same
 * pattern as volumes, waiting for status.readyToUse on create and status.deletion: Destroyed on delete.
 */
import type { SnapshotRecord, SnapshotSpec } from '../../domain/types.js';
import { decodeSnapshot } from './decode.js';
import { KubeError } from './api.js';
import {
  agentFailure, bounded, current, discard, discardQuietly, isNotFound, KubeBackendError, setDeletionRequested, waitSeen,
  type KubeOpsContext,
} from './ops-common.js';
import { isDeleting, sameSnapshotSpec, snapshotBody, toSnapshotRecord } from './records.js';
import { PLURAL, type ZfsSnapshot } from './resources.js';
import { discardCopies } from './transfer-ops.js';

const P = PLURAL.snapshot;

function checkSame(existing: ZfsSnapshot, spec: SnapshotSpec): void {
  if (isDeleting(existing)) throw new KubeBackendError('ABORTED', `snapshot ${spec.id} is being deleted; retry`);
  if (!sameSnapshotSpec(existing, spec)) {
    throw new KubeBackendError('ALREADY_EXISTS', `ZfsSnapshot ${spec.id} exists with a different spec`);
  }
}

async function ensureResource(ctx: KubeOpsContext, spec: SnapshotSpec, signal: AbortSignal): Promise<void> {
  const cached = ctx.snapshots.get(spec.id);
  if (cached !== undefined) return checkSame(cached, spec);
  try {
    await bounded(ctx.api.create(P, snapshotBody(spec)), signal, `creating ZfsSnapshot ${spec.id}`);
  } catch (err) {
    const ambiguous = err instanceof KubeError && (err.httpStatus === undefined || err.httpStatus >= 500);
    if (!(err instanceof KubeError) || !(err.code === 'ALREADY_EXISTS' || ambiguous)) throw err;
    const existing = decodeSnapshot(await bounded(ctx.api.get(P, spec.id), signal, `reading ZfsSnapshot ${spec.id}`));
    if (existing === undefined) throw err;
    checkSame(existing, spec);
  }
}

const createSettled = (s: ZfsSnapshot): boolean =>
  isDeleting(s) || s.status?.readyToUse === true || ['Failed', 'Lost', 'Unavailable'].includes(s.status?.phase ?? '');

export async function createSnapshot(
  ctx: KubeOpsContext, spec: SnapshotSpec, signal: AbortSignal,
): Promise<SnapshotRecord> {
  await ensureResource(ctx, spec, signal);
  const s = await waitSeen(ctx.snapshots, spec.id, createSettled, signal);
  if (s === undefined || isDeleting(s)) {
    throw new KubeBackendError('ABORTED', `ZfsSnapshot ${spec.id} was deleted while being created; retry`);
  }
  if (s.status?.readyToUse === true) return toSnapshotRecord(s);
  if (s.status?.phase === 'Unavailable') throw new KubeBackendError('UNAVAILABLE', `snapshot ${spec.id} is unavailable: ${s.status.message ?? ''}`);
  await discardQuietly(ctx, P, spec.id);
  if (s.status?.phase === 'Lost') throw new KubeBackendError('UNAVAILABLE', `node ${spec.node} was lost while creating snapshot ${spec.id}`);
  throw agentFailure(s.status, `creating snapshot ${spec.id}`, spec.node);
}

export async function deleteSnapshot(ctx: KubeOpsContext, id: string, signal: AbortSignal): Promise<void> {
  // First, so that a retry after any failure below still finds and removes them.
  await discardCopies(ctx, id, signal);
  const s = await current(ctx.snapshots, ctx.api, P, id, decodeSnapshot, signal);
  if (s === undefined) return;
  if (s.spec.deletionRequested === true && s.status?.deletion === 'Destroyed') {
    if (s.metadata.deletionTimestamp === undefined) await bounded(ctx.api.delete(P, id), signal, `deleting ZfsSnapshot ${id}`);
    return;
  }
  if (ctx.nodeGone(s.spec.nodeName)) {
    await bounded(discard(ctx, P, id), signal, `deleting ZfsSnapshot ${id}`);
    return;
  }
  let generation = s.metadata.generation ?? 0;
  if (s.spec.deletionRequested !== true) {
    try {
      generation = await setDeletionRequested(ctx, P, id, true, signal);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
  const done = (o: ZfsSnapshot): boolean =>
    o.status?.deletion === 'Destroyed' && (o.status.observedGeneration ?? 0) >= generation;
  const settled = await waitSeen(ctx.snapshots, id, done, signal);
  if (settled === undefined) return;
  await bounded(ctx.api.delete(P, id), signal, `deleting ZfsSnapshot ${id}`);
}

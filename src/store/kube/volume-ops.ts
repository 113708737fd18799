/**
 * Volume life cycle on the controller side, exactly as docs/kubernetes-mode.md ("Volume life cycle") lays it
 * out: write intent into the ZfsVolume, wait for the agent's status, answer with the code it recorded.
 */
import type { VolumeRecord, VolumeSpec } from '../../domain/types.js';
import { KubeError } from './api.js';
import {
  agentFailure, bounded, current, discard, discardQuietly, generationOf, isNotFound, KubeBackendError, setDeletionRequested,
  TERMINAL_CODES, waitSeen, type KubeOpsContext,
} from './ops-common.js';
import {
  decodeControllerVolume, isDeleting, sameVolumeSpec, toVolumeRecord, volumeBody, volumeVisible,
  type ControllerVolume,
} from './records.js';
import { PLURAL } from './resources.js';

const P = PLURAL.volume;

function checkSame(existing: ControllerVolume, spec: VolumeSpec): void {
  if (isDeleting(existing)) throw new KubeBackendError('ABORTED', `volume ${spec.id} is being deleted; retry`);
  if (!sameVolumeSpec(existing, spec)) {
    throw new KubeBackendError('ALREADY_EXISTS', `ZfsVolume ${spec.id} exists with a different spec`);
  }
}

/** A failure after which the create may or may not have reached the server (5xx, connection lost). */
const ambiguous = (err: KubeError): boolean => err.httpStatus === undefined || err.httpStatus >= 500;

/** Creates the ZfsVolume, or accepts the one already there when it records the same spec. */
async function ensureResource(ctx: KubeOpsContext, spec: VolumeSpec, signal: AbortSignal): Promise<void> {
  const cached = ctx.volumes.get(spec.id);
  if (cached !== undefined) return checkSame(cached, spec);
  try {
    await bounded(ctx.api.create(P, volumeBody(spec)), signal, `creating ZfsVolume ${spec.id}`);
  } catch (err) {
    if (!(err instanceof KubeError) || !(err.code === 'ALREADY_EXISTS' || ambiguous(err))) throw err;
    // Taken, or perhaps written before the failure: read it rather than guess.
    const existing = decodeControllerVolume(await bounded(ctx.api.get(P, spec.id), signal, `reading ZfsVolume ${spec.id}`));
    if (existing === undefined) throw err;
    checkSame(existing, spec);
  }
}

const createSettled = (v: ControllerVolume): boolean =>
  isDeleting(v) || ['Ready', 'Failed', 'Lost', 'Unavailable'].includes(v.status?.phase ?? '');

export async function createVolume(ctx: KubeOpsContext, spec: VolumeSpec, signal: AbortSignal): Promise<VolumeRecord> {
  await ensureResource(ctx, spec, signal);
  const v = await waitSeen(ctx.volumes, spec.id, createSettled, signal);
  if (v === undefined || isDeleting(v)) {
    throw new KubeBackendError('ABORTED', `ZfsVolume ${spec.id} was deleted while being created; retry`);
  }
  const phase = v.status?.phase;
  if (phase === 'Ready') return toVolumeRecord(v);
  // Made, then its pool or parent went away: kept as it is (DESIGN.md §4 rule 10), the CO retries.
  if (phase === 'Unavailable') throw new KubeBackendError('UNAVAILABLE', `volume ${spec.id} is unavailable: ${v.status?.message ?? ''}`);
  // Failed or Lost: remove it so the CO's retry starts clean (a new ID, perhaps another node).
  await discardQuietly(ctx, P, spec.id);
  if (phase === 'Lost') throw new KubeBackendError('UNAVAILABLE', `node ${spec.node} was lost while creating volume ${spec.id}`);
  throw agentFailure(v.status, `creating volume ${spec.id}`, spec.node);
}

/** The agent's answer to the deletion request of `generation` (docs: "Delete"). */
function verdictAfter(v: ControllerVolume, generation: number): boolean {
  return v.status?.deletion !== undefined && (v.status.observedGeneration ?? 0) >= generation;
}

const finalVerdict = (v: ControllerVolume): boolean =>
  v.spec.deletionRequested === true && (v.status?.deletion === 'Destroyed' || v.status?.deletion === 'Retired');

export async function deleteVolume(ctx: KubeOpsContext, id: string, signal: AbortSignal): Promise<void> {
  const v = await current(ctx.volumes, ctx.api, P, id, decodeControllerVolume, signal);
  if (v === undefined) return;
  if (finalVerdict(v)) {
    // Destroyed or Retired already: only the resource's own deletion may be left to do.
    if (v.metadata.deletionTimestamp === undefined) await bounded(ctx.api.delete(P, id), signal, `deleting ZfsVolume ${id}`);
    return;
  }
  if (ctx.nodeGone(v.spec.nodeName)) {
    // No agent will answer. The intent stays on the object should the node ever come back (§4 rule 7).
    await bounded(discard(ctx, P, id), signal, `deleting ZfsVolume ${id}`);
    return;
  }
  let generation = v.metadata.generation ?? 0;
  if (v.spec.deletionRequested !== true) {
    try {
      generation = await setDeletionRequested(ctx, P, id, true, signal);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
  const settled = await waitSeen(ctx.volumes, id, (o) => verdictAfter(o, generation), signal);
  if (settled === undefined) return;
  if (settled.status?.deletion === 'InUse') {
    await setDeletionRequested(ctx, P, id, false, signal);
    throw new KubeBackendError('FAILED_PRECONDITION', `volume ${id} is in use: ${settled.status.message ?? 'still published'}`);
  }
  await bounded(ctx.api.delete(P, id), signal, `deleting ZfsVolume ${id}`);
}

function expandSettled(v: ControllerVolume, generation: number, bytes: bigint): boolean {
  if (isDeleting(v)) return true;
  const st = v.status ?? {};
  if ((st.observedGeneration ?? 0) < generation) return false;
  if (BigInt(st.capacityBytes ?? '0') >= bytes) return true;
  return st.phase === 'Failed' || st.phase === 'Lost' || st.phase === 'Unavailable' || (st.code !== undefined && TERMINAL_CODES.includes(st.code));
}

export async function expandVolume(
  ctx: KubeOpsContext, id: string, bytes: bigint, signal: AbortSignal,
): Promise<VolumeRecord> {
  const v = ctx.volumes.get(id);
  if (v === undefined || !volumeVisible(v)) throw new KubeBackendError('NOT_FOUND', `volume ${id} does not exist`);
  let generation = v.metadata.generation ?? 0;
  if (BigInt(v.spec.requestedBytes) < bytes) {
    const raw = await bounded(ctx.api.patch(P, id, { spec: { requestedBytes: bytes.toString() } }), signal, `expanding ZfsVolume ${id}`);
    generation = generationOf(raw);
  }
  const done = await waitSeen(ctx.volumes, id, (o) => expandSettled(o, generation, bytes), signal);
  if (done === undefined || isDeleting(done)) throw new KubeBackendError('NOT_FOUND', `volume ${id} was deleted`);
  if (BigInt(done.status?.capacityBytes ?? '0') >= bytes) return toVolumeRecord(done);
  const phase = done.status?.phase;
  if (phase === 'Lost' || phase === 'Unavailable') {
    throw new KubeBackendError('UNAVAILABLE', `volume ${id} is ${phase.toLowerCase()}: ${done.status?.message ?? ''}`);
  }
  throw agentFailure(done.status, `expanding volume ${id}`, v.spec.nodeName);
}

/**
 * ControllerModifyVolume on the controller side (docs/kubernetes-mode.md, "Modify"), the way expansion works:
 * merge the asked-for values into `spec.mutableParameters` (generation bumps), wait for the agent to answer
 * with `status.appliedParameters` at that generation, or with the code of its failure.
 *
 * The spec is the durable record of what was asked, written before any `zfs set`: an agent that crashes
 * half-way sees the same spec again and sets all of it again (src/provision/modify.ts), and a controller that
 * crashes while waiting finds the spec already patched when the CO retries, and waits again.
 */
import type { VolumeRecord } from '../../domain/types.js';
import { NO_CHANGE, mergeChanges, sameChange, type VolumeChange } from '../../domain/volume-change.js';
import {
  agentFailure, bounded, generationOf, KubeBackendError, TERMINAL_CODES, waitSeen, type KubeOpsContext,
} from './ops-common.js';
import { isDeleting, toVolumeRecord, volumeVisible, type ControllerVolume } from './records.js';
import { PLURAL } from './resources.js';

const P = PLURAL.volume;

const appliedOf = (v: ControllerVolume): VolumeChange => v.status?.appliedParameters ?? NO_CHANGE;

function modifySettled(v: ControllerVolume, generation: number, wanted: VolumeChange): boolean {
  if (isDeleting(v)) return true;
  const st = v.status ?? {};
  if ((st.observedGeneration ?? 0) < generation) return false;
  if (sameChange(appliedOf(v), wanted)) return true;
  return st.phase === 'Lost' || st.phase === 'Unavailable' || (st.code !== undefined && TERMINAL_CODES.includes(st.code));
}

/** A merge patch (RFC 7386) that makes spec.mutableParameters exactly `to` where it is `from` now. */
function replacement(from: VolumeChange, to: VolumeChange): object {
  const keys = new Set([...Object.keys(from.properties), ...Object.keys(to.properties)]);
  const properties = Object.fromEntries([...keys].map((k) => [k, to.properties[k] ?? null]));
  return { properties, quotaType: to.quotaType ?? null, thin: to.thin ?? null, foreignSnapshots: to.foreignSnapshots ?? null };
}

async function patchIntent(
  ctx: KubeOpsContext, id: string, from: VolumeChange, to: VolumeChange, signal: AbortSignal,
): Promise<number> {
  const body = { spec: { mutableParameters: replacement(from, to) } };
  return generationOf(await bounded(ctx.api.patch(P, id, body), signal, `modifying ZfsVolume ${id}`));
}

export async function modifyVolume(
  ctx: KubeOpsContext, id: string, change: VolumeChange, signal: AbortSignal,
): Promise<VolumeRecord> {
  const v = ctx.volumes.get(id);
  if (v === undefined || !volumeVisible(v)) throw new KubeBackendError('NOT_FOUND', `volume ${id} does not exist`);
  const asked = v.spec.mutableParameters ?? NO_CHANGE;
  const wanted = mergeChanges(asked, change);
  // The same modification twice patches nothing and waits for (or finds) the same answer.
  const generation = sameChange(asked, wanted)
    ? v.metadata.generation ?? 0
    : await patchIntent(ctx, id, asked, wanted, signal);
  const done = await waitSeen(ctx.volumes, id, (o) => modifySettled(o, generation, wanted), signal);
  if (done === undefined || isDeleting(done)) throw new KubeBackendError('NOT_FOUND', `volume ${id} was deleted`);
  if (sameChange(appliedOf(done), wanted)) return toVolumeRecord(done);
  const phase = done.status?.phase;
  if (phase === 'Lost' || phase === 'Unavailable') {
    throw new KubeBackendError('UNAVAILABLE', `volume ${id} is ${phase.toLowerCase()}: ${done.status?.message ?? ''}`);
  }
  // Refused for good (e.g. a property this node's ZFS lacks): the intent is withdrawn to what ZFS holds, as
  // an InUse deletion is, so the spec keeps telling the truth and a different modification can follow.
  await patchIntent(ctx, id, done.spec.mutableParameters ?? NO_CHANGE, appliedOf(done), signal);
  throw agentFailure(done.status, `modifying volume ${id}`, v.spec.nodeName);
}

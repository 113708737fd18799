/**
 * One step of a ZfsReplication (issue #8, docs/replication.md "Scheduled replication"). Each step does one
 * thing and records it in status before the next, so a controller killed anywhere resumes where it was:
 * round N's snapshot has the CSI name `repl-<name>-N` and a retried round finds it by that name; a copy is
 * the ZfsTransfer named by (snapshot, node, parent), found again the same way.
 */
import type { Logger } from 'winston';
import { newSnapshotId, replicationSnapshotId } from '../../csi/ids.js';
import { describeError, DriverError } from '../../domain/errors.js';
import type { KubeApi } from './api.js';
import type { KubeBackend } from './kube-backend.js';
import { KubeBackendError } from './ops-common.js';
import { EVENT_COMPONENT } from './transfer-loss.js';
import {
  PLURAL, REPLICATION_FINALIZER, type ReplicatedSnapshot, type ZfsReplication, type ZfsReplicationStatus,
  type ZfsTransferStatus,
} from './resources.js';

export interface ReplicationStepDeps {
  readonly api: KubeApi;
  readonly backend: KubeBackend;
  readonly log: Logger;
  readonly now: () => Date;
  /** Where Events about ZfsReplications go (`kubectl describe zr`); none when absent. */
  readonly eventNamespace?: string;
  /** Bound on one step's waits for the agents (snapshot taken, snapshot destroyed); default 30 s. */
  readonly stepTimeoutMs?: number;
}

/** Round N's snapshot name: stable, so a round retried after a crash takes no second snapshot. */
export const roundSnapshotName = (replication: string, round: number): string => `repl-${replication}-${round}`;

const replicatedOf = (r: ZfsReplication): readonly ReplicatedSnapshot[] => r.status?.replicated ?? [];

/** A replicateNow value no round has answered yet. */
const asked = (r: ZfsReplication): boolean => r.spec.replicateNow !== undefined && r.spec.replicateNow !== r.status?.lastReplicateNow;

/** Whether a new round is due: asked for, never started, or an interval since the last one started. */
export function roundDue(r: ZfsReplication, now: Date): boolean {
  if (r.status?.pendingSnapshot !== undefined) return false;
  if (asked(r)) return true;
  if (r.spec.suspend === true) return false;
  const started = Date.parse(r.status?.roundStartedAt ?? '');
  return Number.isNaN(started) || now.getTime() - started >= r.spec.intervalSeconds * 1000;
}

/** Whether a step has anything to do (read from the watch cache, so idle replications cost no API call). */
export function needsStep(r: ZfsReplication, now: Date): boolean {
  return r.metadata.deletionTimestamp !== undefined || !(r.metadata.finalizers ?? []).includes(REPLICATION_FINALIZER)
    || replicatedOf(r).length > Math.max(1, r.spec.retain) || r.status?.pendingSnapshot !== undefined || roundDue(r, now);
}

/**
 * Does the next thing this replication needs, if anything: true when it changed something (so the next
 * step may follow at once), false when there is nothing to do now. Throws what went wrong.
 */
export async function stepReplication(deps: ReplicationStepDeps, r: ZfsReplication): Promise<boolean> {
  const signal = AbortSignal.timeout(deps.stepTimeoutMs ?? 30_000);
  const act = async (step: Promise<unknown>): Promise<boolean> => (await step) !== false;
  if (r.metadata.deletionTimestamp !== undefined) return act(finish(deps, r, signal));
  if (!(r.metadata.finalizers ?? []).includes(REPLICATION_FINALIZER)) return act(holdFinalizer(deps, r));
  if (replicatedOf(r).length > Math.max(1, r.spec.retain)) return act(pruneOldest(deps, r, signal));
  if (r.status?.pendingSnapshot !== undefined) return act(copyRound(deps, r, r.status.pendingSnapshot, signal));
  if (roundDue(r, deps.now())) return act(startRound(deps, r, signal));
  return false;
}

/** Status patch with the generation it answers; null removes a field (merge patch). */
async function patch(deps: ReplicationStepDeps, r: ZfsReplication, status: { [K in keyof ZfsReplicationStatus]: ZfsReplicationStatus[K] | null }): Promise<void> {
  await deps.api.patchStatus(PLURAL.replication, r.metadata.name, { ...status, observedGeneration: r.metadata.generation ?? 0 });
}

/** Before the first snapshot, so a deletion always finds the controller still responsible for them. */
async function holdFinalizer(deps: ReplicationStepDeps, r: ZfsReplication): Promise<void> {
  const finalizers = [...(r.metadata.finalizers ?? []), REPLICATION_FINALIZER];
  await deps.api.patch(PLURAL.replication, r.metadata.name, { metadata: { finalizers, resourceVersion: r.metadata.resourceVersion } });
}

/** The source volume and the target parent, or why no round can start now. */
async function checkSource(deps: ReplicationStepDeps, r: ZfsReplication): Promise<{ node: string; targetParent: string }> {
  const volume = await deps.backend.getVolume(r.spec.volumeId);
  if (volume === undefined) throw new KubeBackendError('NOT_FOUND', `source volume ${r.spec.volumeId} does not exist`);
  if (volume.node === r.spec.targetNode) {
    throw new KubeBackendError('INVALID_ARGUMENT', `volume ${r.spec.volumeId} is on node ${volume.node} already; the target must be another node`);
  }
  const live = await deps.backend.nodes();
  if (!live.includes(volume.node)) {
    const last = r.status?.lastReplicatedSnapshot;
    const replica = last === undefined ? 'no replica was made yet' : `the replica on ${r.spec.targetNode} holds snapshot ${last} of ${r.status?.lastReplicatedTime ?? '?'}`;
    throw new KubeBackendError('UNAVAILABLE', `source node ${volume.node} is not available; ${replica}`);
  }
  const targetParent = r.status?.targetParent ?? r.spec.targetParent ?? (await deps.backend.capacity(r.spec.targetNode, AbortSignal.timeout(5000)))[0]?.parent;
  if (targetParent === undefined) throw new KubeBackendError('UNAVAILABLE', `target node ${r.spec.targetNode} publishes no parent dataset (no ZfsNode)`);
  return { node: volume.node, targetParent };
}

/** Takes round N+1's snapshot (or finds the one a crashed step took) and records it as pending. */
async function startRound(deps: ReplicationStepDeps, r: ZfsReplication, signal: AbortSignal): Promise<void> {
  const { node, targetParent } = await checkSource(deps, r);
  const round = (r.status?.round ?? 0) + 1;
  const name = roundSnapshotName(r.metadata.name, round);
  const uid = r.metadata.uid;
  const id = uid === undefined ? newSnapshotId() : replicationSnapshotId(uid, round);
  const snapshot = (await deps.backend.findSnapshotByName(name))
    ?? (await deps.backend.createSnapshot({ id, name, sourceVolumeId: r.spec.volumeId, node }, signal));
  if (snapshot.sourceVolumeId !== r.spec.volumeId) {
    throw new KubeBackendError('ALREADY_EXISTS', `snapshot ${name} exists for another volume (${snapshot.sourceVolumeId})`);
  }
  await patch(deps, r, {
    round, roundStartedAt: deps.now().toISOString(), pendingSnapshot: snapshot.id, targetParent, phase: 'Replicating',
    ...(asked(r) ? { lastReplicateNow: r.spec.replicateNow } : {}),
    message: `round ${round}: copying snapshot ${snapshot.id} to ${r.spec.targetNode}`,
  });
  deps.log.info('replication round started', { replication: r.metadata.name, round, snapshot: snapshot.id, to: r.spec.targetNode });
}

/** Looks at (never waits for) the round's copy and records it once the target holds it; false while it runs. */
async function copyRound(deps: ReplicationStepDeps, r: ZfsReplication, snapshotId: string, signal: AbortSignal): Promise<boolean> {
  const snapshot = await deps.backend.getSnapshot(snapshotId);
  if (snapshot === undefined) {
    await patch(deps, r, { pendingSnapshot: null, phase: 'Failing', code: 'NOT_FOUND', message: `round snapshot ${snapshotId} was deleted before it was copied` });
    return true;
  }
  const targetParent = r.status?.targetParent ?? (await checkSource(deps, r)).targetParent;
  let done: ZfsTransferStatus;
  try {
    done = await deps.backend.copySnapshot(snapshotId, r.spec.targetNode, targetParent, signal, 0);
  } catch (err) {
    if (err instanceof DriverError && err.code === 'ABORTED') return false; // still copying; the ZfsTransfer shows progress
    throw err;
  }
  const replicated = [...replicatedOf(r).filter((s) => s.snapshotId !== snapshotId), { snapshotId, creationTime: snapshot.creationTime.toISOString() }];
  await patch(deps, r, {
    replicated, pendingSnapshot: null, lastReplicatedSnapshot: snapshotId, lastReplicatedTime: snapshot.creationTime.toISOString(),
    lastMode: done.mode ?? null, lastBytes: done.bytes ?? null, phase: 'Ready', code: null,
    message: `snapshot ${snapshotId} is on ${r.spec.targetNode} (${done.mode ?? 'copied'}, ${done.bytes ?? '?'} bytes)`,
  });
  deps.log.info('replication round done', { replication: r.metadata.name, snapshot: snapshotId, mode: done.mode, bytes: done.bytes });
  if (r.status?.phase === 'Failing') await event(deps, r, 'Normal', 'ReplicationRecovered', `snapshot ${snapshotId} is on ${r.spec.targetNode} again`);
  return true;
}

/**
 * Retention: the oldest replicated snapshot goes, on both nodes (DeleteSnapshot removes its copies). Only
 * while more than `retain` are replicated, so the newest common snapshot, the next round's base, stays.
 */
async function pruneOldest(deps: ReplicationStepDeps, r: ZfsReplication, signal: AbortSignal): Promise<void> {
  const [oldest, ...rest] = replicatedOf(r);
  if (oldest === undefined) return;
  await deps.backend.deleteSnapshot(oldest.snapshotId, signal);
  await patch(deps, r, { replicated: rest });
  deps.log.info('replicated snapshot past retention deleted', { replication: r.metadata.name, snapshot: oldest.snapshotId });
}

/**
 * Deletion: the round in progress is never a replica, so its snapshot goes; the replicated ones stay
 * (Retain, the default: they are the disaster-recovery copies) or go with their copies (Delete).
 */
async function finish(deps: ReplicationStepDeps, r: ZfsReplication, signal: AbortSignal): Promise<boolean> {
  if (!(r.metadata.finalizers ?? []).includes(REPLICATION_FINALIZER)) return false;
  const unfinished = await deps.backend.findSnapshotByName(roundSnapshotName(r.metadata.name, (r.status?.round ?? 0) + 1)).catch(() => undefined);
  const doomed = [
    ...(r.status?.pendingSnapshot === undefined ? [] : [r.status.pendingSnapshot]),
    ...(unfinished === undefined ? [] : [unfinished.id]),
    ...(r.spec.deletePolicy === 'Delete' ? replicatedOf(r).map((s) => s.snapshotId) : []),
  ];
  for (const id of doomed) await deps.backend.deleteSnapshot(id, signal);
  const finalizers = (r.metadata.finalizers ?? []).filter((f) => f !== REPLICATION_FINALIZER);
  await deps.api.patch(PLURAL.replication, r.metadata.name, { metadata: { finalizers, resourceVersion: r.metadata.resourceVersion } });
  deps.log.info('replication deleted', { replication: r.metadata.name, deletedSnapshots: doomed.length, policy: r.spec.deletePolicy ?? 'Retain' });
  return true;
}

/** A failed step as status: the code and message, Failing; the caller retries after a backoff. */
export async function recordFailure(deps: ReplicationStepDeps, r: ZfsReplication, err: unknown): Promise<void> {
  const d = describeError(err);
  if (r.status?.code === d.code && r.status.message === d.message) return;
  await patch(deps, r, { phase: 'Failing', code: d.code, message: d.message });
  await event(deps, r, 'Warning', 'ReplicationFailing', `${d.code}: ${d.message}`);
}

/** One Event per change of state (a failure that repeats is not re-announced). */
async function event(deps: ReplicationStepDeps, r: ZfsReplication, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  if (deps.eventNamespace === undefined) return;
  const involved = { kind: 'ZfsReplication', name: r.metadata.name, ...(r.metadata.uid === undefined ? {} : { uid: r.metadata.uid }) };
  await deps.api.event(deps.eventNamespace, involved, type, reason, message, EVENT_COMPONENT);
}

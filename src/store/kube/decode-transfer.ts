/** Decoders for the data-movement resources: ZfsTransfer and ZfsReplication. */
import {
  API_VERSION, type ReplicatedSnapshot, type ReplicationPhase, type TransferPhase, type ZfsReplication, type ZfsTransfer,
} from './resources.js';
import { bool, bytes, decodeCode, decodeMeta, defined, isObj, num, oneOf, str, sub, type Obj } from './decode-fields.js';

const TRANSFER_PHASES: readonly TransferPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed'];

export function decodeTransfer(v: unknown): ZfsTransfer | undefined {
  if (!isObj(v) || v['kind'] !== 'ZfsTransfer') return undefined;
  const metadata = decodeMeta(v['metadata']);
  const s = sub(v, 'spec');
  if (!metadata || !s) return undefined;
  const snapshotId = str(s, 'snapshotId');
  const volumeId = str(s, 'volumeId');
  const nodeName = str(s, 'nodeName');
  const targetNode = str(s, 'targetNode');
  if (!snapshotId || !volumeId || !nodeName || !targetNode) return undefined;
  const st = sub(v, 'status') ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'ZfsTransfer',
    metadata,
    spec: defined({
      snapshotId, volumeId, nodeName, targetNode, targetParent: str(s, 'targetParent'), deletionRequested: bool(s, 'deletionRequested'),
    }),
    status: defined({
      phase: oneOf(str(st, 'phase'), TRANSFER_PHASES),
      step: str(st, 'step'),
      mode: oneOf(str(st, 'mode'), ['full', 'incremental', 'present'] as const),
      base: str(st, 'base'),
      bytes: bytes(st, 'bytes'),
      estimateBytes: bytes(st, 'estimateBytes'),
      rateBytesPerSecond: num(st, 'rateBytesPerSecond'),
      attempts: num(st, 'attempts'),
      startedAt: str(st, 'startedAt'),
      finishedAt: str(st, 'finishedAt'),
      targetSnapshot: str(st, 'targetSnapshot'),
      ...decodeCode(st),
      message: str(st, 'message'),
      observedGeneration: num(st, 'observedGeneration'),
    }),
  };
}

const REPLICATION_PHASES: readonly ReplicationPhase[] = ['Pending', 'Replicating', 'Ready', 'Failing'];
const count = (o: Obj, k: string): number | undefined => {
  const n = num(o, k);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

function decodeReplicated(v: unknown): ReplicatedSnapshot[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObj).flatMap((r) => {
    const snapshotId = str(r, 'snapshotId');
    const creationTime = str(r, 'creationTime');
    return snapshotId && creationTime ? [{ snapshotId, creationTime }] : [];
  });
}

export function decodeReplication(v: unknown): ZfsReplication | undefined {
  if (!isObj(v) || v['kind'] !== 'ZfsReplication') return undefined;
  const metadata = decodeMeta(v['metadata']);
  const s = sub(v, 'spec');
  if (!metadata || !s) return undefined;
  const volumeId = str(s, 'volumeId');
  const targetNode = str(s, 'targetNode');
  const intervalSeconds = count(s, 'intervalSeconds');
  const retain = count(s, 'retain');
  if (!volumeId || !targetNode || !intervalSeconds || !retain) return undefined;
  const st = sub(v, 'status') ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'ZfsReplication',
    metadata,
    spec: defined({
      volumeId, targetNode, intervalSeconds, retain, targetParent: str(s, 'targetParent'), suspend: bool(s, 'suspend'),
      replicateNow: str(s, 'replicateNow'),
      deletePolicy: oneOf(str(s, 'deletePolicy'), ['Retain', 'Delete'] as const),
    }),
    status: defined({
      phase: oneOf(str(st, 'phase'), REPLICATION_PHASES),
      round: count(st, 'round'),
      roundStartedAt: str(st, 'roundStartedAt'),
      targetParent: str(st, 'targetParent'),
      lastReplicateNow: str(st, 'lastReplicateNow'),
      pendingSnapshot: str(st, 'pendingSnapshot'),
      replicated: decodeReplicated(st['replicated']),
      lastReplicatedSnapshot: str(st, 'lastReplicatedSnapshot'),
      lastReplicatedTime: str(st, 'lastReplicatedTime'),
      lastMode: oneOf(str(st, 'lastMode'), ['full', 'incremental', 'present'] as const),
      lastBytes: bytes(st, 'lastBytes'),
      ...decodeCode(st),
      message: str(st, 'message'),
      observedGeneration: num(st, 'observedGeneration'),
    }),
  };
}

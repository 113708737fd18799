/**
 * Decoders for objects read from the API server: everything arrives as `unknown` and becomes a typed
 * resource or `undefined` (a malformed object is ignored and reported, never trusted).
 */
import { isErrorCode, type ErrorCode } from '../../domain/errors.js';
import type { VolumeChange } from '../../domain/volume-change.js';
import {
  API_VERSION, type Condition, type ContentSourceSpec, type ObjectMeta, type ParentStatus, type ZfsNode,
  type ReplicatedSnapshot, type ReplicationPhase, type TransferPhase, type ZfsReplication, type ZfsSnapshot,
  type ZfsTransfer, type ZfsVolume,
} from './resources.js';

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const bool = (o: Obj, k: string): boolean | undefined => (typeof o[k] === 'boolean' ? (o[k] as boolean) : undefined);
const num = (o: Obj, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const sub = (o: Obj, k: string): Obj | undefined => (isObj(o[k]) ? (o[k] as Obj) : undefined);

/** Copies the keys whose value is defined (exactOptionalPropertyTypes forbids explicit undefined). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

const bytes = (o: Obj, k: string): string | undefined => {
  const v = str(o, k);
  return v !== undefined && /^[0-9]+$/.test(v) ? v : undefined;
};

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') return undefined;
    out[k] = x;
  }
  return out;
}

export function decodeMeta(v: unknown): ObjectMeta | undefined {
  if (!isObj(v)) return undefined;
  const name = str(v, 'name');
  if (!name) return undefined;
  const finalizers = Array.isArray(v['finalizers']) ? v['finalizers'].filter((f): f is string => typeof f === 'string') : undefined;
  return defined({
    name,
    uid: str(v, 'uid'),
    resourceVersion: str(v, 'resourceVersion'),
    generation: num(v, 'generation'),
    labels: stringMap(v['labels']),
    finalizers,
    deletionTimestamp: str(v, 'deletionTimestamp'),
    creationTimestamp: str(v, 'creationTimestamp'),
  });
}

function decodeConditions(v: unknown): Condition[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObj).flatMap((c) => {
    const type = str(c, 'type');
    const status = str(c, 'status');
    if (!type || (status !== 'True' && status !== 'False' && status !== 'Unknown')) return [];
    return [{ type, status, reason: str(c, 'reason') ?? '', message: str(c, 'message') ?? '', lastTransitionTime: str(c, 'lastTransitionTime') ?? '' }];
  });
}

function decodeCode(o: Obj): { code?: ErrorCode } {
  const code = o['code'];
  return isErrorCode(code) ? { code } : {};
}

function decodeSource(v: unknown): ContentSourceSpec | undefined {
  if (!isObj(v)) return undefined;
  const kind = str(v, 'kind');
  const id = str(v, 'id');
  return (kind === 'snapshot' || kind === 'volume') && id ? { kind, id } : undefined;
}

/** spec.mutableParameters / status.appliedParameters, by shape: the controller checked the values' grammar,
 * and they reach `zfs` through its argv validators (src/zfs/props.ts) in any case. */
function decodeChange(v: unknown): VolumeChange | undefined {
  if (!isObj(v)) return undefined;
  const properties = stringMap(v['properties'] ?? {});
  if (properties === undefined) return undefined;
  const quotaType = oneOf(str(v, 'quotaType'), ['refquota', 'quota'] as const);
  return defined({ properties, quotaType, thin: bool(v, 'thin') });
}

export function decodeVolume(v: unknown): ZfsVolume | undefined {
  if (!isObj(v) || v['kind'] !== 'ZfsVolume') return undefined;
  const metadata = decodeMeta(v['metadata']);
  const s = sub(v, 'spec');
  if (!metadata || !s) return undefined;
  const csiName = str(s, 'csiName');
  const volumeId = str(s, 'volumeId');
  const nodeName = str(s, 'nodeName');
  const parentDataset = str(s, 'parentDataset');
  const requestedBytes = bytes(s, 'requestedBytes');
  const properties = stringMap(s['properties'] ?? {});
  const quotaType = str(s, 'quotaType');
  const thin = bool(s, 'thin');
  if (!csiName || !volumeId || !nodeName || !parentDataset || !requestedBytes || !properties) return undefined;
  if ((quotaType !== 'refquota' && quotaType !== 'quota') || thin === undefined) return undefined;
  const st = sub(v, 'status') ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'ZfsVolume',
    metadata,
    spec: defined({
      csiName, volumeId, nodeName, parentDataset, requestedBytes, properties, quotaType, thin,
      contentSource: decodeSource(s['contentSource']),
      mutableParameters: decodeChange(s['mutableParameters']),
      deletionRequested: bool(s, 'deletionRequested'),
    }),
    status: defined({
      phase: phaseOf(str(st, 'phase')),
      ...decodeCode(st),
      message: str(st, 'message'),
      capacityBytes: bytes(st, 'capacityBytes'),
      usedBytes: bytes(st, 'usedBytes'),
      dataset: str(st, 'dataset'),
      mountpoint: str(st, 'mountpoint'),
      datasetGuid: str(st, 'datasetGuid'),
      deletion: oneOf(str(st, 'deletion'), ['Destroyed', 'Retired', 'InUse'] as const),
      appliedParameters: decodeChange(st['appliedParameters']),
      observedGeneration: num(st, 'observedGeneration'),
      conditions: decodeConditions(st['conditions']),
    }),
  };
}

function oneOf<T extends string>(v: string | undefined, options: readonly T[]): T | undefined {
  return (options as readonly (string | undefined)[]).includes(v) ? (v as T) : undefined;
}

const PHASES = ['Pending', 'Ready', 'Deleting', 'Failed', 'Lost', 'Unavailable'] as const;
const phaseOf = (v: string | undefined): (typeof PHASES)[number] | undefined =>
  (PHASES as readonly (string | undefined)[]).includes(v) ? (v as (typeof PHASES)[number]) : undefined;

export function decodeSnapshot(v: unknown): ZfsSnapshot | undefined {
  if (!isObj(v) || v['kind'] !== 'ZfsSnapshot') return undefined;
  const metadata = decodeMeta(v['metadata']);
  const s = sub(v, 'spec');
  if (!metadata || !s) return undefined;
  const csiName = str(s, 'csiName');
  const snapshotId = str(s, 'snapshotId');
  const sourceVolumeId = str(s, 'sourceVolumeId');
  const nodeName = str(s, 'nodeName');
  if (!csiName || !snapshotId || !sourceVolumeId || !nodeName) return undefined;
  const st = sub(v, 'status') ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'ZfsSnapshot',
    metadata,
    spec: defined({ csiName, snapshotId, sourceVolumeId, nodeName, deletionRequested: bool(s, 'deletionRequested') }),
    status: defined({
      phase: phaseOf(str(st, 'phase')),
      readyToUse: bool(st, 'readyToUse'),
      creationTime: str(st, 'creationTime'),
      sizeBytes: bytes(st, 'sizeBytes'),
      zfsName: str(st, 'zfsName'),
      deletion: oneOf(str(st, 'deletion'), ['Destroyed'] as const),
      ...decodeCode(st),
      message: str(st, 'message'),
      observedGeneration: num(st, 'observedGeneration'),
      conditions: decodeConditions(st['conditions']),
    }),
  };
}

function decodeParent(v: unknown): ParentStatus[] {
  if (!isObj(v)) return [];
  const parent = str(v, 'parent');
  const pool = str(v, 'pool');
  if (!parent || !pool) return [];
  return [{
    parent, pool,
    health: str(v, 'health') ?? 'UNKNOWN',
    availableBytes: bytes(v, 'availableBytes') ?? '0',
    usedBytes: bytes(v, 'usedBytes') ?? '0',
    retiredBytes: bytes(v, 'retiredBytes') ?? '0',
  }];
}

export function decodeNode(v: unknown): ZfsNode | undefined {
  if (!isObj(v) || v['kind'] !== 'ZfsNode') return undefined;
  const metadata = decodeMeta(v['metadata']);
  if (!metadata) return undefined;
  const st = sub(v, 'status') ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'ZfsNode',
    metadata,
    status: defined({
      parents: Array.isArray(st['parents']) ? st['parents'].flatMap(decodeParent) : undefined,
      implementation: str(st, 'implementation'),
      zfsVersion: str(st, 'zfsVersion'),
      agentVersion: str(st, 'agentVersion'),
      lastHeartbeat: str(st, 'lastHeartbeat'),
      transferEndpoint: str(st, 'transferEndpoint'),
      conditions: decodeConditions(st['conditions']),
    }),
  };
}

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

/**
 * Decoders for objects read from the API server: everything arrives as `unknown` and becomes a typed
 * resource or `undefined` (a malformed object is ignored and reported, never trusted).
 */
import type { VolumeChange } from '../../domain/volume-change.js';
import { API_VERSION, HOLD_REASONS, type ContentSourceSpec, type ForeignHoldStatus, type ParentStatus, type ZfsNode, type ZfsSnapshot, type ZfsVolume } from './resources.js';
import { bool, bytes, decodeCode, decodeConditions, decodeMeta, defined, isObj, num, oneOf, str, stringMap, sub } from './decode-fields.js';

export { decodeMeta } from './decode-fields.js';
export { decodeReplication, decodeTransfer } from './decode-transfer.js';

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
  return defined({ properties, quotaType, thin: bool(v, 'thin'), foreignSnapshots: oneOf(str(v, 'foreignSnapshots'), POLICIES) });
}

const POLICIES = ['keep', 'destroy'] as const;

function decodeHold(v: unknown): ForeignHoldStatus | undefined {
  if (!isObj(v) || !Array.isArray(v['snapshots'])) return undefined;
  const snapshots = v['snapshots'].filter((n): n is string => typeof n === 'string');
  const reason = oneOf(str(v, 'reason'), HOLD_REASONS);
  return reason ? { snapshots, reason, usedBytes: bytes(v, 'usedBytes') ?? '0' } : undefined;
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
      foreignSnapshots: oneOf(str(s, 'foreignSnapshots'), POLICIES),
      contentSource: decodeSource(s['contentSource']),
      mutableParameters: decodeChange(s['mutableParameters']),
      deletionRequested: bool(s, 'deletionRequested'),
      importDataset: str(s, 'importDataset'),
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
      heldByForeignSnapshots: decodeHold(st['heldByForeignSnapshots']),
      observedGeneration: num(st, 'observedGeneration'),
      conditions: decodeConditions(st['conditions']),
    }),
  };
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

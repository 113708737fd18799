/**
 * Fully populated resources, typed by src/store/kube/resources.ts: `Required<...>` makes a new field in the
 * shapes a compile error here, so the CRD test's "same fields" check cannot silently fall behind.
 */
import type {
  Condition, ContentSourceSpec, ParentStatus, ZfsNode, ZfsNodeStatus, ZfsSnapshot, ZfsSnapshotSpec, ZfsSnapshotStatus,
  ZfsReplication, ZfsReplicationSpec, ZfsReplicationStatus, ZfsTransfer, ZfsTransferSpec, ZfsTransferStatus, ZfsVolume,
  ZfsVolumeSpec, ZfsVolumeStatus,
} from '../../src/store/kube/resources.js';

const condition: Required<Condition> = {
  type: 'Ready', status: 'True', reason: 'DatasetReady', message: 'ok', lastTransitionTime: '2026-01-02T03:04:05Z',
};
const source: Required<ContentSourceSpec> = { kind: 'snapshot', id: 'snap-0a1b2c' };

const volumeSpec: Required<ZfsVolumeSpec> = {
  csiName: 'pvc-6f1c2a9e-1b2c-4d5e-8f90-123456789abc',
  volumeId: 'vol-0a1b2c3d',
  nodeName: 'node-b',
  parentDataset: 'tank/k8s',
  requestedBytes: '10737418240',
  contentSource: source,
  properties: { compression: 'lz4', recordsize: '131072' },
  quotaType: 'refquota',
  thin: true,
  foreignSnapshots: 'destroy',
  mutableParameters: { properties: { compression: 'zstd', atime: 'off' }, quotaType: 'quota', thin: false, foreignSnapshots: 'keep' },
  deletionRequested: false,
  importDataset: 'tank/k8s/pgdata',
};
const volumeStatus: Required<ZfsVolumeStatus> = {
  phase: 'Ready', code: 'RESOURCE_EXHAUSTED', message: 'earlier attempt ran out of space',
  capacityBytes: '10737418240', usedBytes: '98304', dataset: 'tank/k8s/vol-0a1b2c3d',
  mountpoint: '/var/lib/zfs-csi/mounts/vol-0a1b2c3d', datasetGuid: '1234567890123456789', deletion: 'Retired',
  appliedParameters: { properties: { compression: 'zstd' }, foreignSnapshots: 'keep' },
  heldByForeignSnapshots: { snapshots: ['autosnap_2026-01-02_00:00:01_daily'], reason: 'cloned', usedBytes: '98304' },
  observedGeneration: 3, conditions: [condition],
};
export const FULL_VOLUME: ZfsVolume = {
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsVolume',
  metadata: { name: 'vol-0a1b2c3d', generation: 3, labels: { 'zfs.csi.dev/node': 'node-b' }, finalizers: ['zfs.csi.dev/dataset'] },
  spec: volumeSpec, status: volumeStatus,
};

const snapshotSpec: Required<ZfsSnapshotSpec> = {
  csiName: 'snapshot-1c2d3e4f', snapshotId: 'snap-0a1b2c', sourceVolumeId: 'vol-0a1b2c3d', nodeName: 'node-b',
  deletionRequested: true,
};
const snapshotStatus: Required<ZfsSnapshotStatus> = {
  phase: 'Deleting', readyToUse: true, creationTime: '2026-01-02T03:04:05Z', sizeBytes: '4096',
  zfsName: 'tank/k8s/vol-0a1b2c3d@snap-0a1b2c', deletion: 'Destroyed', code: 'ABORTED', message: 'busy',
  observedGeneration: 2, conditions: [condition],
};
export const FULL_SNAPSHOT: ZfsSnapshot = {
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsSnapshot',
  metadata: { name: 'snap-0a1b2c', generation: 2, labels: { 'zfs.csi.dev/node': 'node-b' } },
  spec: snapshotSpec, status: snapshotStatus,
};

const parent: Required<ParentStatus> = {
  parent: 'tank/k8s', pool: 'tank', health: 'ONLINE', availableBytes: '107374182400', usedBytes: '1073741824',
  retiredBytes: '0',
};
const nodeStatus: Required<ZfsNodeStatus> = {
  parents: [parent], implementation: 'OpenZFS', zfsVersion: 'zfs-2.2.6-1', agentVersion: '0.1.0',
  lastHeartbeat: '2026-01-02T03:04:05Z', transferEndpoint: '10.0.0.2:7443', conditions: [{ ...condition, type: 'Drift', status: 'False', reason: 'NoDrift' }],
};
export const FULL_NODE: ZfsNode = {
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsNode', metadata: { name: 'node-b' }, status: nodeStatus,
};

const transferSpec: Required<ZfsTransferSpec> = {
  snapshotId: 'snap-0a1b2c', volumeId: 'vol-0a1b2c3d', nodeName: 'node-b', targetNode: 'node-c', targetParent: 'tank/k8s',
  deletionRequested: false,
};
const transferStatus: Required<ZfsTransferStatus> = {
  phase: 'Running', step: 'sending', mode: 'incremental', base: 'snap-000001', bytes: '1048576', estimateBytes: '2097152',
  rateBytesPerSecond: 52428800, attempts: 2, startedAt: '2026-01-02T03:04:05Z', finishedAt: '2026-01-02T03:04:06Z',
  targetSnapshot: 'tank/k8s/vol-0a1b2c3d@snap-0a1b2c', code: 'UNAVAILABLE', message: 'first attempt: node-c unreachable',
  observedGeneration: 1,
};
export const FULL_TRANSFER: ZfsTransfer = {
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsTransfer',
  metadata: { name: 'xfer-abcdefghijklmnopqrst', generation: 1, labels: { 'zfs.csi.dev/node': 'node-b', 'zfs.csi.dev/target-node': 'node-c' } },
  spec: transferSpec, status: transferStatus,
};

const replicationSpec: Required<ZfsReplicationSpec> = {
  volumeId: 'vol-0a1b2c3d', targetNode: 'node-c', targetParent: 'tank/k8s', intervalSeconds: 900, retain: 4, suspend: false,
  replicateNow: '2026-01-02T03:04:05Z',
  deletePolicy: 'Retain',
};
const replicationStatus: Required<ZfsReplicationStatus> = {
  phase: 'Replicating', round: 7, roundStartedAt: '2026-01-02T03:04:05Z', targetParent: 'tank/k8s', lastReplicateNow: '2026-01-02T03:04:05Z',
  pendingSnapshot: 'snap-0a1b2d',
  replicated: [{ snapshotId: 'snap-0a1b2c', creationTime: '2026-01-02T02:49:05Z' }], lastReplicatedSnapshot: 'snap-0a1b2c',
  lastReplicatedTime: '2026-01-02T02:49:05Z', lastMode: 'incremental', lastBytes: '1048576', code: 'UNAVAILABLE',
  message: 'round 6: node-c unreachable', observedGeneration: 1,
};
export const FULL_REPLICATION: ZfsReplication = {
  apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsReplication',
  metadata: { name: 'pvc-db-to-node-c', generation: 1, finalizers: ['zfs.csi.dev/replication'] },
  spec: replicationSpec, status: replicationStatus,
};

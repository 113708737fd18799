/** Every metric name this driver exports (docs/metrics.md describes each); tests and docs read them from here. */
export const METRIC = {
  grpcDuration: 'zfs_csi_grpc_request_duration_seconds',
  zfsDuration: 'zfs_csi_zfs_command_duration_seconds',
  zfsFailures: 'zfs_csi_zfs_command_failures_total',
  volumes: 'zfs_csi_volumes',
  snapshots: 'zfs_csi_snapshots',
  retiredBytes: 'zfs_csi_retired_bytes',
  heldByForeign: 'zfs_csi_retired_volumes_held_by_foreign_snapshots',
  heldByForeignBytes: 'zfs_csi_retired_bytes_held_by_foreign_snapshots',
  poolAvailable: 'zfs_csi_pool_available_bytes',
  poolUsed: 'zfs_csi_pool_used_bytes',
  queueDepth: 'zfs_csi_reconcile_queue_depth',
  drift: 'zfs_csi_drift_objects',
  transfers: 'zfs_csi_transfers_total',
  transferBytes: 'zfs_csi_transfer_sent_bytes_total',
  transfersRunning: 'zfs_csi_transfers_running',
  transferLastSuccess: 'zfs_csi_transfer_last_success_timestamp_seconds',
  replicationLastReplicated: 'zfs_csi_replication_last_replicated_timestamp_seconds',
  replicationFailing: 'zfs_csi_replication_failing',
} as const;

/** CSI calls: from sub-millisecond Identity calls to a create that waits on a busy pool. */
export const GRPC_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** zfs/zpool processes: a `zfs get` takes milliseconds, a create tens to hundreds, a stuck one the timeout. */
export const ZFS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

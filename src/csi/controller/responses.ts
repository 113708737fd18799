import type { VolumeState } from '../../domain/health.js';
import type { ContentSource, SnapshotRecord, VolumeRecord } from '../../domain/types.js';
import type { Snapshot } from '../../grpc/gen/csi/v1/Snapshot.js';
import type { Volume } from '../../grpc/gen/csi/v1/Volume.js';
import type { VolumeCondition } from '../../grpc/gen/csi/v1/VolumeCondition.js';
import type { VolumeContentSource } from '../../grpc/gen/csi/v1/VolumeContentSource.js';
import type { Timestamp } from '../../grpc/gen/google/protobuf/Timestamp.js';
import { accessibleTopology } from '../topology.js';

/** Record → proto conversions. int64 leave as decimal strings (proto-loader `longs: String`). */

export function contentSourceToProto(source: ContentSource | undefined): VolumeContentSource | null {
  if (source === undefined) return null;
  return source.kind === 'snapshot'
    ? { snapshot: { snapshot_id: source.snapshotId } }
    : { volume: { volume_id: source.volumeId } };
}

/**
 * A volume as the CO sees it. volume_context stays empty: the Node service resolves volumes by ID through
 * the driver's records, and the context is stored in the PV in clear text (never anything identifying).
 */
export function volumeToProto(record: VolumeRecord): Volume {
  return {
    capacity_bytes: record.capacityBytes.toString(),
    volume_id: record.id,
    volume_context: {},
    content_source: contentSourceToProto(record.source),
    accessible_topology: accessibleTopology(record.node),
  };
}

/** google.protobuf.Timestamp of a date (whole seconds + nanos, as the spec's creation_time). */
export function timestampToProto(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function snapshotToProto(record: SnapshotRecord): Snapshot {
  return {
    size_bytes: record.sizeBytes.toString(),
    snapshot_id: record.id,
    source_volume_id: record.sourceVolumeId,
    creation_time: timestampToProto(record.creationTime),
    ready_to_use: record.readyToUse,
  };
}

/**
 * CSI VolumeStatus of a volume. published_node_ids is filled only from real records: a backend that keeps
 * none (Kubernetes mode) leaves it empty, which proto3 cannot tell from "absent", and the controller does
 * not advertise LIST_VOLUMES_PUBLISHED_NODES (capabilities.ts), so a CO reads nothing into it.
 */
export function volumeStatusToProto(state: VolumeState): { published_node_ids: string[]; volume_condition: VolumeCondition } {
  return {
    published_node_ids: [...(state.publishedNodes ?? [])],
    volume_condition: { abnormal: state.condition.abnormal, message: state.condition.message },
  };
}

import type { VolumeBackend } from '../../domain/backend.js';
import type { ContentSource } from '../../domain/types.js';
import type { VolumeContentSource__Output } from '../../grpc/gen/csi/v1/VolumeContentSource.js';
import { invalidArgument, notFound } from '../errors.js';
import { requireString } from '../fields.js';
import { isSnapshotId, isVolumeId } from '../ids.js';

/** Parses CreateVolumeRequest.volume_content_source (a oneof); undefined = an empty volume. */
export function parseContentSource(
  input: VolumeContentSource__Output | null | undefined,
): ContentSource | undefined {
  if (!input) return undefined;
  if (input.snapshot) {
    const snapshotId = requireString(input.snapshot.snapshot_id, 'volume_content_source.snapshot.snapshot_id');
    return { kind: 'snapshot', snapshotId };
  }
  if (input.volume) {
    const volumeId = requireString(input.volume.volume_id, 'volume_content_source.volume.volume_id');
    return { kind: 'volume', volumeId };
  }
  throw invalidArgument('volume_content_source names neither a snapshot nor a volume');
}

export function sameSource(a: ContentSource | undefined, b: ContentSource | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === 'snapshot') return b.kind === 'snapshot' && a.snapshotId === b.snapshotId;
  return b.kind === 'volume' && a.volumeId === b.volumeId;
}

/** Where a clone must live and how small it may be: next to its source (ZFS clones stay in the pool). */
export interface SourcePlacement {
  readonly node: string;
  readonly parent: string;
  /** The source's size: a clone may be larger (refquota is raised), never smaller (OUT_OF_RANGE). */
  readonly minBytes: bigint;
}

/** Resolves the source through the driver's records; NOT_FOUND when it does not exist (CSI CreateVolume). */
export async function resolveSource(backend: VolumeBackend, source: ContentSource): Promise<SourcePlacement> {
  if (source.kind === 'snapshot') {
    const snap = isSnapshotId(source.snapshotId) ? await backend.getSnapshot(source.snapshotId) : undefined;
    if (!snap) throw notFound(`source snapshot ${source.snapshotId} does not exist`);
    return { node: snap.node, parent: parentOfSnapshot(snap.zfsName), minBytes: snap.sizeBytes };
  }
  const vol = isVolumeId(source.volumeId) ? await backend.getVolume(source.volumeId) : undefined;
  if (!vol) throw notFound(`source volume ${source.volumeId} does not exist`);
  return { node: vol.node, parent: vol.parent, minBytes: vol.capacityBytes };
}

/**
 * `tank/csi/vol-x@snap-y` → `tank/csi`. Read from the snapshot's own name because its source volume may be
 * retired (hidden from getVolume) while the snapshot stays restorable (DESIGN.md §3.1).
 */
export function parentOfSnapshot(zfsName: string): string {
  const at = zfsName.indexOf('@');
  const dataset = at < 0 ? zfsName : zfsName.slice(0, at);
  const slash = dataset.lastIndexOf('/');
  return slash < 0 ? dataset : dataset.slice(0, slash);
}

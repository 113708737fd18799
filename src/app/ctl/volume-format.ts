/** How volumes read on a terminal: one volume as a block, many as a table. */
import type { ListVolumesResponse__Output } from '../../grpc/gen/csi/v1/ListVolumesResponse.js';
import type { Volume__Output } from '../../grpc/gen/csi/v1/Volume.js';
import type { VolumeCondition__Output } from '../../grpc/gen/csi/v1/VolumeCondition.js';
import { condition, contentSource, keyValues, pairs, table, topologies } from './format.js';
import { formatSize } from './size.js';

interface VolumeStatusOut {
  readonly published_node_ids: readonly string[];
  readonly volume_condition: VolumeCondition__Output | null;
}

const listOrDash = (items: readonly string[] | undefined): string =>
  items === undefined || items.length === 0 ? '-' : items.join(', ');

/** A capacity of 0 means "unknown" in CSI, not an empty volume. */
const capacity = (bytes: string): string => (bytes === '0' ? 'unknown' : formatSize(bytes));

export function volumeText(volume: Volume__Output | null, status?: VolumeStatusOut | null): string {
  if (!volume) return '(no volume in the response)';
  return keyValues([
    ['volume_id', volume.volume_id],
    ['capacity', capacity(volume.capacity_bytes)],
    ['source', contentSource(volume.content_source)],
    ['topology', topologies(volume.accessible_topology)],
    ['context', pairs(volume.volume_context)],
    ['published_on', status ? listOrDash(status.published_node_ids) : undefined],
    ['condition', status ? condition(status.volume_condition) : undefined],
  ]);
}

export function volumeTable(res: ListVolumesResponse__Output): string {
  const rows = res.entries.map((e) => [
    e.volume?.volume_id ?? '?',
    capacity(e.volume?.capacity_bytes ?? '0'),
    contentSource(e.volume?.content_source),
    topologies(e.volume?.accessible_topology),
    listOrDash(e.status?.published_node_ids),
    condition(e.status?.volume_condition),
  ]);
  const text = table(['VOLUME ID', 'CAPACITY', 'SOURCE', 'TOPOLOGY', 'PUBLISHED ON', 'CONDITION'], rows, '(no volumes)');
  return res.next_token === '' ? text : `${text}\nnext token: ${res.next_token}`;
}

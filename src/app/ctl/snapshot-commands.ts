/** Controller snapshot commands: create, delete, list, get. */
import type { ListSnapshotsRequest } from '../../grpc/gen/csi/v1/ListSnapshotsRequest.js';
import type { ListSnapshotsResponse__Output } from '../../grpc/gen/csi/v1/ListSnapshotsResponse.js';
import type { Snapshot__Output } from '../../grpc/gen/csi/v1/Snapshot.js';
import { defineCommand, type Command } from './command.js';
import { keyValues, table, timestamp } from './format.js';
import type { FlagValues } from './flags.js';
import { formatSize } from './size.js';

const SNAPSHOT_ID = { type: 'string', value: 'ID', help: 'snapshot ID', required: true } as const;

export function snapshotText(snapshot: Snapshot__Output | null): string {
  if (!snapshot) return '(no snapshot in the response)';
  return keyValues([
    ['snapshot_id', snapshot.snapshot_id],
    ['source_volume_id', snapshot.source_volume_id],
    ['size', formatSize(snapshot.size_bytes)],
    ['created', timestamp(snapshot.creation_time)],
    ['ready_to_use', String(snapshot.ready_to_use)],
  ]);
}

export function snapshotTable(res: ListSnapshotsResponse__Output): string {
  const rows = res.entries.map(({ snapshot: s }) => [
    s?.snapshot_id ?? '?',
    s?.source_volume_id ?? '?',
    formatSize(s?.size_bytes ?? '0'),
    timestamp(s?.creation_time),
    String(s?.ready_to_use ?? false),
  ]);
  const text = table(['SNAPSHOT ID', 'SOURCE VOLUME', 'SIZE', 'CREATED', 'READY'], rows, '(no snapshots)');
  return res.next_token === '' ? text : `${text}\nnext token: ${res.next_token}`;
}

export function buildListSnapshots(flags: FlagValues): ListSnapshotsRequest {
  return {
    max_entries: flags.count('max-entries') ?? 0,
    starting_token: flags.string('starting-token') ?? '',
    source_volume_id: flags.string('source-volume-id') ?? '',
    snapshot_id: flags.string('snapshot-id') ?? '',
  };
}

export const snapshotCommands: readonly Command[] = [
  defineCommand({
    name: 'create-snapshot',
    summary: 'CreateSnapshot: a snapshot of a volume (or the existing one with that name).',
    flags: {
      name: { type: 'string', value: 'NAME', help: 'the CO\'s name for the snapshot (idempotency key)', required: true },
      'source-volume-id': { type: 'string', value: 'ID', help: 'the volume to snapshot', required: true },
    },
    build: (f) => ({ name: f.required('name'), source_volume_id: f.required('source-volume-id') }),
    call: (c, req, o) => c.controller.CreateSnapshot(req, o),
    render: (res) => snapshotText(res.snapshot),
  }),
  defineCommand({
    name: 'delete-snapshot',
    summary: 'DeleteSnapshot: delete a snapshot (volumes restored from it stay).',
    flags: { 'snapshot-id': SNAPSHOT_ID },
    build: (f) => ({ snapshot_id: f.required('snapshot-id') }),
    call: (c, req, o) => c.controller.DeleteSnapshot(req, o),
    render: (_res, req) => `deleted snapshot ${req.snapshot_id}`,
  }),
  defineCommand({
    name: 'list-snapshots',
    summary: 'ListSnapshots: one page of snapshots, optionally filtered.',
    flags: {
      'snapshot-id': { type: 'string', value: 'ID', help: 'only this snapshot' },
      'source-volume-id': { type: 'string', value: 'ID', help: 'only snapshots of this volume' },
      'max-entries': { type: 'string', value: 'N', help: 'at most N entries per page (0: driver default)' },
      'starting-token': { type: 'string', value: 'T', help: 'continue from a next token' },
    },
    build: buildListSnapshots,
    call: (c, req, o) => c.controller.ListSnapshots(req, o),
    render: snapshotTable,
  }),
  defineCommand({
    name: 'get-snapshot',
    summary: 'GetSnapshot: one snapshot.',
    flags: { 'snapshot-id': SNAPSHOT_ID },
    build: (f) => ({ snapshot_id: f.required('snapshot-id') }),
    call: (c, req, o) => c.controller.GetSnapshot(req, o),
    render: (res) => snapshotText(res.snapshot),
  }),
];

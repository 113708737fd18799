/** Decoding and showing the admin API's transfer status (src/transfer/manager.ts TransferStatus). */
import { DriverError, isErrorCode } from '../../domain/errors.js';
import type { TransferStatus } from '../../transfer/manager.js';
import { keyValues, table } from './format.js';

const STATES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

/** The driver's answer enters as unknown; a malformed one is INTERNAL, not a crash. */
export function decodeStatus(value: unknown): TransferStatus {
  const o = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new DriverError('INTERNAL', `the driver's transfer status has no ${k}`);
    return v;
  };
  const state = str('state');
  if (!(STATES as readonly string[]).includes(state)) throw new DriverError('INTERNAL', `unknown transfer state ${JSON.stringify(state)}`);
  const e = typeof o['error'] === 'object' && o['error'] !== null ? (o['error'] as Record<string, unknown>) : undefined;
  const optional = (k: string): Record<string, string> => (typeof o[k] === 'string' ? { [k]: o[k] } : {});
  return {
    id: str('id'), snapshotId: str('snapshotId'), volumeId: str('volumeId'), peer: str('peer'),
    state: state as TransferStatus['state'], phase: str('phase') as TransferStatus['phase'],
    bytes: str('bytes'), estimateBytes: str('estimateBytes'), startedAt: str('startedAt'),
    rateBytesPerSecond: typeof o['rateBytesPerSecond'] === 'number' ? o['rateBytesPerSecond'] : 0,
    ...optional('mode'), ...optional('base'), ...optional('finishedAt'),
    ...(e && isErrorCode(e['code']) ? { error: { code: e['code'], message: typeof e['message'] === 'string' ? e['message'] : '' } } : {}),
  } as TransferStatus;
}

export function decodeList(value: unknown): TransferStatus[] {
  const list = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['transfers'] : undefined;
  if (!Array.isArray(list)) throw new DriverError('INTERNAL', 'the driver\'s transfer list is not a list');
  return list.map(decodeStatus);
}

const MIB = 1024 * 1024;
const mib = (bytes: string): string => `${(Number(bytes) / MIB).toFixed(1)} MiB`;

/** "12.0 MiB of ~64.0 MiB (19%), 31.2 MiB/s": the estimate is approximate on zfs-fuse (no dry run). */
export function progressText(s: TransferStatus): string {
  const est = Number(s.estimateBytes);
  const pct = est > 0 ? ` (${Math.min(100, Math.round((Number(s.bytes) / est) * 100))}%)` : '';
  const of = est > 0 ? ` of ~${mib(s.estimateBytes)}${pct}` : '';
  return `${mib(s.bytes)}${of}, ${(s.rateBytesPerSecond / MIB).toFixed(1)} MiB/s`;
}

export function statusText(s: TransferStatus): string {
  return keyValues([
    ['transfer_id', s.id],
    ['snapshot_id', s.snapshotId],
    ['volume_id', s.volumeId],
    ['to', s.peer],
    ['state', s.state],
    ['phase', s.phase],
    ['mode', s.mode],
    ['base', s.base],
    ['progress', progressText(s)],
    ['started', s.startedAt],
    ['finished', s.finishedAt],
    ['error', s.error && `${s.error.code}: ${s.error.message}`],
  ]);
}

export function statusTable(list: readonly TransferStatus[]): string {
  const rows = list.map((s) => [s.id, s.snapshotId, s.peer, s.state, s.phase, s.mode ?? '-', progressText(s)]);
  return table(['TRANSFER ID', 'SNAPSHOT', 'TO', 'STATE', 'PHASE', 'MODE', 'PROGRESS'], rows, '(no transfers)');
}

import { isSnapshotId, isVolumeId } from '../csi/ids.js';
import { isErrorCode, type ErrorCode } from '../domain/errors.js';
import type { VolumeParams } from '../domain/types.js';
import { decodeParams, encodeText } from '../provision/props.js';
import { isValidName } from '../zfs/names.js';
import { TransferError } from './errors.js';

/**
 * The node-to-node transfer protocol (issue #8), one TLS connection per transfer, sender → receiver:
 *
 *   sender:   offer            receiver: haves | refused
 *   sender:   start, then frames of the `zfs send` stream, then the end frame
 *   receiver: result
 *
 * Messages are single JSON lines; every field is decoded from `unknown` here, the one place that trusts
 * nothing the peer sends. The stream is framed (framing in channel.ts) so a cut connection can never look
 * like a complete stream: zfs-fuse's `zfs receive` was seen to accept a stream cut at a record boundary.
 */
export const PROTOCOL_VERSION = 1;

export interface Offer {
  readonly type: 'offer';
  readonly version: number;
  readonly transfer: string;
  /** The sender's node ID; must equal the identity in its certificate. */
  readonly source: string;
  /** The receiver's parent to receive into; one of its configured parents, or its first when absent. */
  readonly parent?: string;
  readonly volume: { readonly id: string; readonly name: string; readonly params: VolumeParams };
  readonly snapshot: {
    readonly id: string;
    readonly name: string;
    readonly guid: string;
    readonly sizeBytes: bigint;
    readonly createdMs: number;
  };
}

export interface Haves {
  readonly type: 'haves';
  /** GUIDs of the receiver's snapshots of this volume, oldest first. */
  readonly guids: readonly string[];
}

export interface Refused {
  readonly type: 'refused';
  readonly code: ErrorCode;
  readonly message: string;
}

export type StreamMode = 'full' | 'incremental' | 'present';

export interface Start {
  readonly type: 'start';
  readonly mode: StreamMode;
  /** The common snapshot's GUID, for an incremental stream. */
  readonly base?: string;
  /** What the sender expects to send (0 when unknown). */
  readonly estimateBytes: bigint;
}

export type Result =
  | { readonly type: 'result'; readonly ok: true; readonly bytes: bigint; readonly dataset?: string }
  | { readonly type: 'result'; readonly ok: false; readonly code: ErrorCode; readonly message: string };

const GUID = /^[0-9]{1,20}$/;
const TRANSFER_ID = /^xfer-[a-z2-7]{20}$/;
const MODES: readonly StreamMode[] = ['full', 'incremental', 'present'];

function bad(what: string): TransferError {
  return new TransferError('INVALID_ARGUMENT', `transfer protocol: ${what}`);
}

function record(raw: unknown, type: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`expected a ${type} message`);
  const r = raw as Record<string, unknown>;
  if (r['type'] === 'refused' && type !== 'refused') {
    const refusal = decodeRefused(r);
    throw new TransferError(refusal.code, `refused by the receiver: ${refusal.message}`);
  }
  if (r['type'] !== type) throw bad(`expected a ${type} message, got ${JSON.stringify(r['type'])}`);
  return r;
}

const str = (r: Record<string, unknown>, key: string, max = 1024): string => {
  const v = r[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw bad(`${key} must be a non-empty string`);
  return v;
};

function sub(r: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = r[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${key} must be an object`);
  return v as Record<string, unknown>;
}

const bigintOf = (r: Record<string, unknown>, key: string): bigint => {
  const v = r[key];
  if (typeof v !== 'string' || !/^[0-9]{1,20}$/.test(v)) throw bad(`${key} must be a decimal string`);
  return BigInt(v);
};

export const isTransferId = (value: string): boolean => TRANSFER_ID.test(value);

export function decodeOffer(raw: unknown): Offer {
  const r = record(raw, 'offer');
  if (r['version'] !== PROTOCOL_VERSION) throw bad(`unsupported version ${JSON.stringify(r['version'])}`);
  const transfer = str(r, 'transfer');
  if (!isTransferId(transfer)) throw bad('transfer is not a transfer ID');
  const parent = r['parent'] === undefined ? undefined : str(r, 'parent', 255);
  if (parent !== undefined && !isValidName(parent, 'dataset')) throw bad('parent is not a dataset name');
  const volume = sub(r, 'volume');
  const snapshot = sub(r, 'snapshot');
  const volumeId = str(volume, 'id');
  const snapshotId = str(snapshot, 'id');
  if (!isVolumeId(volumeId) || !isSnapshotId(snapshotId)) throw bad('volume or snapshot ID of the wrong shape');
  // The stored-record decoder is the one judge of parameters: round-trip the peer's value through it.
  const params = decodeParams(encodeText(JSON.stringify(volume['params'] ?? null)));
  if (params === null) throw bad('volume params are damaged');
  const guid = str(snapshot, 'guid');
  const createdMs = snapshot['createdMs'];
  if (!GUID.test(guid)) throw bad('snapshot guid is not a number');
  if (typeof createdMs !== 'number' || !Number.isSafeInteger(createdMs) || createdMs < 0) throw bad('createdMs');
  return {
    type: 'offer', version: PROTOCOL_VERSION, transfer, source: str(r, 'source', 256),
    ...(parent === undefined ? {} : { parent }),
    volume: { id: volumeId, name: str(volume, 'name'), params },
    snapshot: { id: snapshotId, name: str(snapshot, 'name'), guid, sizeBytes: bigintOf(snapshot, 'sizeBytes'), createdMs },
  };
}

export function decodeHaves(raw: unknown): Haves {
  const guids = record(raw, 'haves')['guids'];
  if (!Array.isArray(guids) || guids.length > 100_000) throw bad('guids must be a list');
  return { type: 'haves', guids: guids.map((g) => {
    if (typeof g !== 'string' || !GUID.test(g)) throw bad('a guid is not a number');
    return g;
  }) };
}

export function decodeRefused(r: Record<string, unknown>): Refused {
  const code = r['code'];
  const message = typeof r['message'] === 'string' ? r['message'].slice(0, 2000) : 'no reason given';
  return { type: 'refused', code: isErrorCode(code) ? code : 'INTERNAL', message };
}

export function decodeStart(raw: unknown): Start {
  const r = record(raw, 'start');
  const mode = r['mode'];
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) throw bad('unknown stream mode');
  const base = r['base'] === undefined ? undefined : str(r, 'base');
  if (base !== undefined && !GUID.test(base)) throw bad('base is not a guid');
  if ((mode === 'incremental') !== (base !== undefined)) throw bad('an incremental stream, and only one, names its base');
  return { type: 'start', mode: mode as StreamMode, ...(base === undefined ? {} : { base }), estimateBytes: bigintOf(r, 'estimateBytes') };
}

export function decodeResult(raw: unknown): Result {
  const r = record(raw, 'result');
  if (r['ok'] === true) {
    // Where the copy landed (the sender records it); absent from receivers older than this field.
    const dataset = r['dataset'] === undefined ? undefined : str(r, 'dataset', 255);
    if (dataset !== undefined && !isValidName(dataset)) throw bad('dataset is not a ZFS name');
    return { type: 'result', ok: true, bytes: bigintOf(r, 'bytes'), ...(dataset === undefined ? {} : { dataset }) };
  }
  const refusal = decodeRefused(r);
  return { type: 'result', ok: false, code: refusal.code, message: refusal.message };
}

/** JSON with bigints as decimal strings (the decoders above read them back). */
export function encodeMessage(message: Offer | Haves | Refused | Start | Result): string {
  return JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

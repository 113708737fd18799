import type { Logger } from 'winston';
import { describeError, DriverError } from '../domain/errors.js';
import { P } from '../provision/props.js';
import { isZfsError } from '../zfs/errors.js';
import type { ZfsStreams } from '../zfs/stream.js';
import type { Zfs } from '../zfs/zfs.js';
import type { Channel } from './channel.js';
import { TransferError } from './errors.js';
import { readLineage, type Lineage } from './lineage.js';
import { pumpFrames } from './pump.js';
import { writeRecords } from './records.js';
import { Watchdog } from './watchdog.js';
import { decodeOffer, decodeStart, encodeMessage, type Offer, type Start } from './wire.js';

export interface ReceiverDeps {
  readonly zfs: Zfs;
  readonly streams: ZfsStreams;
  readonly node: string;
  readonly parents: readonly string[];
  readonly stallMs: number;
  readonly log: Logger;
  /** Kubernetes mode: a transfer resource must name this peer, volume and node; standalone: none. */
  readonly authorize?: (offer: Offer, peer: string) => Promise<void>;
  /** Tells the store about the copy (standalone: re-read its records into the MemoryStore). */
  readonly onReceived: (dataset: string, snapshot: string) => Promise<void>;
}

/** What the target holds under the volume's name: nothing, or a copy of this source's volume. */
type Target =
  | { readonly kind: 'absent' }
  | { readonly kind: 'copy'; readonly lineage: Lineage; readonly recorded: boolean };

/**
 * The receiving end of one transfer connection, already authenticated as `peer` (server.ts). It answers
 * the offer with its haves, receives the stream into `<parent>/<volume-id>` without -F, checks the
 * received snapshot's GUID, and only then writes the driver's record.
 */
export async function receiveTransfer(channel: Channel, peer: string, deps: ReceiverDeps, busy: Set<string>): Promise<void> {
  let offer: Offer | undefined;
  let dataset: string | undefined;
  let owned = false;
  try {
    offer = decodeOffer(await channel.readMessage());
    if (offer.source !== peer) throw refuse(`the offer claims to come from ${JSON.stringify(offer.source)}, the certificate says ${JSON.stringify(peer)}`);
    await deps.authorize?.(offer, peer);
    const parent = offer.parent ?? deps.parents[0] ?? '';
    if (!deps.parents.includes(parent)) throw refuse(`${parent} is not a parent of node ${deps.node}`);
    dataset = `${parent}/${offer.volume.id}`;
    if (busy.has(dataset)) throw new TransferError('ABORTED', `a transfer into ${dataset} is already running`);
    busy.add(dataset);
    owned = true;
    const target = await inspect(deps.zfs, parent, dataset, offer);
    const haves = target.kind === 'absent' ? [] : target.lineage.snapshots.map((s) => s.guid);
    await channel.writeMessage(encodeMessage({ type: 'haves', guids: haves }));
    const start = decodeStart(await channel.readMessage());
    checkStart(start, offer, haves);
    const bytes = start.mode === 'present' ? 0n : await receiveStream(channel, dataset, start.mode === 'full', deps);
    await finish(deps, dataset, offer);
    await channel.writeMessage(encodeMessage({ type: 'result', ok: true, bytes, dataset }));
    deps.log.info('transfer received', { transfer: offer.transfer, from: peer, dataset, snapshot: offer.snapshot.id, mode: start.mode, bytes: bytes.toString() });
  } catch (err) {
    const { code, message } = describeError(err);
    deps.log.warn('transfer refused or failed', { transfer: offer?.transfer, from: peer, dataset, code, error: message });
    await channel.writeMessage(encodeMessage({ type: 'refused', code, message })).catch(() => undefined);
  } finally {
    // Only the connection that took the dataset frees it: a refused second sender must not.
    if (owned && dataset !== undefined) busy.delete(dataset);
    channel.close();
  }
}

const refuse = (message: string): TransferError => new TransferError('FAILED_PRECONDITION', message);

async function inspect(zfs: Zfs, parent: string, dataset: string, offer: Offer): Promise<Target> {
  // "Not found" counts only when the parent is there (DESIGN.md §4 rule 6). Both reads at once: a full
  // transfer needs the parent's, and it saves a process's wait (~15 ms) before the haves go out.
  const parentThere = zfs.get([parent], ['type'], {}).then((infos) => infos.length > 0, (err: unknown) => {
    if (isZfsError(err, 'not_found')) return false;
    throw err;
  });
  parentThere.catch(() => undefined); // awaited only when the dataset is absent
  const lineage = await readLineage(zfs, dataset);
  if (lineage === undefined) {
    if (!(await parentThere)) throw new TransferError('UNAVAILABLE', `parent ${parent} is not there`);
    return { kind: 'absent' };
  }
  const m = lineage.marks;
  if (m.get(P.managed) === 'true') {
    if (m.get(P.replicaOf) === offer.source && m.get(P.volumeId) === offer.volume.id) return { kind: 'copy', lineage, recorded: true };
    const what = m.has(P.replicaOf) ? `a copy of node ${m.get(P.replicaOf) ?? ''}'s volume` : 'a volume of this node';
    throw refuse(`${dataset} is ${what}, not a copy of ${offer.source}'s`);
  }
  // Not the driver's: only an interrupted receive of this very lineage (proved by the GUID) is finished.
  if (lineage.snapshots.some((s) => s.guid === offer.snapshot.guid)) return { kind: 'copy', lineage, recorded: false };
  throw refuse(`${dataset} exists and is not the driver's; it is left alone`);
}

function checkStart(start: Start, offer: Offer, haves: readonly string[]): void {
  const ok =
    (start.mode === 'full' && haves.length === 0) ||
    (start.mode === 'present' && haves.includes(offer.snapshot.guid)) ||
    (start.mode === 'incremental' && haves.length > 0 && haves[haves.length - 1] === start.base);
  if (!ok) throw refuse(`a ${start.mode} stream does not fit what this node holds; nothing received`);
}

async function receiveStream(channel: Channel, dataset: string, full: boolean, deps: ReceiverDeps): Promise<bigint> {
  const abort = new AbortController();
  const stall = new Watchdog(deps.stallMs, () => channel.destroy());
  const proc = await deps.streams.receive(dataset, full, abort.signal);
  let bytes = 0n;
  const pumping = pumpFrames(channel, proc.stream, (n) => {
    bytes += BigInt(n);
    stall.kick();
  });
  pumping.catch(() => abort.abort());
  proc.stream.on('error', () => undefined); // EPIPE when zfs receive refuses early: its exit says why
  const [pumped, received] = await Promise.allSettled([pumping, proc.done]);
  stall.stop();
  if (stall.fired) throw new TransferError('ABORTED', `no data for ${deps.stallMs} ms: transfer stalled, nothing kept`);
  if (pumped.status === 'rejected' && received.status === 'fulfilled') throw pumped.reason;
  if (received.status === 'rejected') throw receiveError(received.reason, pumped.status === 'rejected' ? pumped.reason : undefined);
  return bytes;
}

/** zfs receive's own refusals of a target that moved on are preconditions, not faults. */
function receiveError(err: unknown, channelError: unknown): unknown {
  if (isZfsError(err, 'cancelled') && channelError !== undefined) return channelError;
  if (isZfsError(err) && /does not match incremental source|has been modified|must destroy|destination .* exists/.test(err.stderr)) {
    return refuse(`zfs receive: ${err.message}`);
  }
  return err instanceof DriverError ? err : new TransferError('INTERNAL', describeError(err).message);
}

async function finish(deps: ReceiverDeps, dataset: string, offer: Offer): Promise<void> {
  const lineage = await readLineage(deps.zfs, dataset);
  const snap = lineage?.snapshots.find((s) => s.name === offer.snapshot.id);
  if (lineage === undefined || snap?.guid !== offer.snapshot.guid) {
    throw new TransferError('INTERNAL', `${dataset}@${offer.snapshot.id} is not the offered snapshot (guid ${snap?.guid ?? 'none'}, offered ${offer.snapshot.guid})`);
  }
  const recorded = lineage.marks.get(P.managed) === 'true';
  const signal = AbortSignal.timeout(60_000);
  await writeRecords(deps.zfs, { dataset, datasetRecorded: recorded, snapshotRecorded: lineage.recorded.has(offer.snapshot.id) }, offer, deps.node, signal);
  await deps.onReceived(dataset, `${dataset}@${offer.snapshot.id}`);
}

import { P, encodeParams, encodeText } from '../provision/props.js';
import type { Zfs, ZfsProps } from '../zfs/zfs.js';
import type { Offer } from './wire.js';

/**
 * The driver's record on a received copy (issue #8), written after `zfs receive` (zfs-fuse has no
 * `receive -o`). The copy is a retired volume of this node marked `replica-of`: never listed or mounted,
 * its snapshots restorable, swept when its last snapshot goes (DESIGN.md §3.1). `managed=true` is written
 * last: until it is there the copy is not the driver's, and a retried transfer recognises its own
 * unfinished receive by the snapshot's GUID and finishes the record.
 */
export function replicaProps(offer: Offer, node: string, now: Date): ZfsProps {
  return {
    [P.kind]: 'volume',
    [P.volumeId]: offer.volume.id,
    [P.csiName]: encodeText(offer.volume.name),
    [P.node]: node,
    [P.source]: 'none',
    [P.params]: encodeParams(offer.volume.params),
    [P.retired]: String(now.getTime()),
    [P.replicaOf]: offer.source,
  };
}

export function receivedSnapshotProps(offer: Offer, node: string): ZfsProps {
  return {
    [P.kind]: 'snapshot',
    [P.snapshotId]: offer.snapshot.id,
    [P.csiName]: encodeText(offer.snapshot.name),
    [P.node]: node,
    [P.sourceVolume]: offer.volume.id,
    [P.size]: offer.snapshot.sizeBytes.toString(),
    [P.created]: String(offer.snapshot.createdMs),
  };
}

const MANAGED: ZfsProps = { [P.managed]: 'true' };

/**
 * Marks the dataset (unless already the driver's) and the received snapshot; safe to repeat. Their
 * records are written at once (zfs-fuse runs one `zfs set` per property, so a full transfer's 15
 * properties one after another cost ~0.35 s); only the `managed` marks wait until every other property
 * is there, the dataset's before the snapshot's.
 */
export async function writeRecords(
  zfs: Zfs,
  target: { readonly dataset: string; readonly datasetRecorded: boolean; readonly snapshotRecorded: boolean },
  offer: Offer,
  node: string,
  signal: AbortSignal,
): Promise<void> {
  const snapshot = `${target.dataset}@${offer.snapshot.id}`;
  const records: Array<Promise<void>> = [];
  // canmount=off with the record: the copy must never mount (OpenZFS received it with -u; zfs-fuse may have mounted it).
  if (!target.datasetRecorded) records.push(zfs.set(target.dataset, { canmount: 'off', ...replicaProps(offer, node, new Date()) }, signal));
  if (!target.snapshotRecorded) records.push(zfs.set(snapshot, receivedSnapshotProps(offer, node), signal));
  const failed = (await Promise.allSettled(records)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  if (!target.datasetRecorded) await zfs.set(target.dataset, MANAGED, signal);
  if (!target.snapshotRecorded) await zfs.set(snapshot, MANAGED, signal);
}

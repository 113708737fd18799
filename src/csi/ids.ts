import { createHash, randomBytes } from 'node:crypto';

/**
 * Volume and snapshot IDs (DESIGN.md §3.1): short, ZFS-safe, unique per creation. A re-creation after a
 * delete gets a new ID, so a late retry of the old DeleteVolume can never reach the new volume.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lowercase
const ID_CHARS = 20; // 100 bits of randomness

const VOLUME_ID = /^vol-[a-z2-7]{20}$/;
const SNAPSHOT_ID = /^snap-[a-z2-7]{20}$/;

function randomBase32(length: number): string {
  // 256 is a multiple of 32, so masking each byte to 5 bits keeps every character equally likely.
  return base32(randomBytes(length));
}

function base32(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export function newVolumeId(): string {
  return `vol-${randomBase32(ID_CHARS)}`;
}

export function newSnapshotId(): string {
  return `snap-${randomBase32(ID_CHARS)}`;
}

/** A node-to-node transfer (issue #8; wire.ts checks the shape). */
export function newTransferId(): string {
  return `xfer-${randomBase32(ID_CHARS)}`;
}

/**
 * The transfer a restore needs (issue #8, restore anywhere): one name per snapshot, target node and parent,
 * so a retried CreateVolume finds the copy it started instead of starting another.
 */
export function transferIdFor(snapshotId: string, node: string, parent: string): string {
  const digest = createHash('sha256').update(`${snapshotId}\n${node}\n${parent}`).digest();
  return `xfer-${base32(digest.subarray(0, ID_CHARS))}`;
}

/**
 * Round N's snapshot of a replication (issue #8): derived from the resource's UID and the round, so two
 * controllers that both believe they lead (a lease hand-over) create the same ZfsSnapshot, never two.
 * Still unique per creation: rounds only count up, and a re-created ZfsReplication has a new UID.
 */
export function replicationSnapshotId(replicationUid: string, round: number): string {
  const digest = createHash('sha256').update(`replication\n${replicationUid}\n${round}`).digest();
  return `snap-${base32(digest.subarray(0, ID_CHARS))}`;
}

/** Shape check: an ID of another shape cannot be ours, so it is "not found" and never reaches zfs. */
export function isVolumeId(value: string): boolean {
  return VOLUME_ID.test(value);
}

export function isSnapshotId(value: string): boolean {
  return SNAPSHOT_ID.test(value);
}

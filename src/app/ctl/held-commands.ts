/**
 * `ctl held-volumes` (issue #10 part 3, docs/snapshots.md): the deleted volumes whose space only snapshots the
 * driver did not make keep, as of each parent's last sweep, so the leak is visible and says what to do.
 */
import { DriverError } from '../../domain/errors.js';
import { ADMIN_FLAGS } from './admin-client.js';
import type { Command } from './command.js';
import { table } from './format.js';
import { formatSize } from './size.js';

/** One entry of `GET /v1/held` (src/app/admin-server.ts), decoded rather than trusted. */
export interface HeldVolume {
  readonly volumeId: string;
  readonly dataset: string;
  readonly policy: string;
  readonly reason: string;
  readonly snapshots: readonly string[];
  readonly usedBytes: string;
}

function decodeOne(v: unknown): HeldVolume {
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const text = (k: string): string => {
    const x = o[k];
    if (typeof x !== 'string') throw new DriverError('INTERNAL', `the driver's held-volumes answer has no ${k}`);
    return x;
  };
  const snapshots = o['snapshots'];
  if (!Array.isArray(snapshots) || !snapshots.every((s): s is string => typeof s === 'string')) {
    throw new DriverError('INTERNAL', 'the driver\'s held-volumes answer has no snapshot list');
  }
  return { volumeId: text('volumeId'), dataset: text('dataset'), policy: text('policy'), reason: text('reason'), snapshots, usedBytes: text('usedBytes') };
}

export function decodeHeld(body: unknown): HeldVolume[] {
  const list = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['held'] : undefined;
  if (!Array.isArray(list)) throw new DriverError('INTERNAL', 'the driver\'s held-volumes answer has no list');
  return list.map(decodeOne);
}

const WHAT_TO_DO: Readonly<Record<string, string>> = {
  kept: 'zfs destroy the snapshots, or set foreignSnapshots=destroy',
  cloned: 'destroy or promote the clones of these snapshots',
  held: 'zfs release the holds on these snapshots',
};

export function heldText(held: readonly HeldVolume[]): string {
  if (held.length === 0) return 'no deleted volume is kept by foreign snapshots';
  return table(['VOLUME ID', 'DATASET', 'USED', 'REASON', 'SNAPSHOTS', 'TO FREE IT'], held.map((h) => [
    h.volumeId, h.dataset, formatSize(h.usedBytes), h.reason,
    h.snapshots.map((s) => s.slice(s.indexOf('@'))).join(' '), WHAT_TO_DO[h.reason] ?? '-',
  ]));
}

export const heldCommands: readonly Command[] = [{
  name: 'held-volumes',
  summary: 'Deleted volumes whose space only snapshots the driver did not make keep (docs/snapshots.md).',
  flags: ADMIN_FLAGS,

  prepare() {
    return async (c) => {
      const held = decodeHeld(await c.admin().get('/v1/held'));
      return { response: { held }, text: heldText(held) };
    };
  },
}];

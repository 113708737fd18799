/**
 * `ctl new-volume-id`: a fresh volume ID for an operator who writes a ZfsVolume by hand (docs/import.md).
 * It calls the driver's own generator, so the ID has exactly the shape the agent accepts, and needs no socket:
 * an ID is random, not allocated, and the operator may be far from any node.
 */
import { newVolumeId } from '../../csi/ids.js';
import type { Command } from './command.js';

export interface NewVolumeId {
  readonly volumeId: string;
}

export const idCommands: readonly Command[] = [{
  name: 'new-volume-id',
  summary: 'Print a fresh volume ID (vol- and 20 base32 characters), as the driver makes them; no socket needed.',
  flags: {},
  prepare() {
    return () => {
      const answer: NewVolumeId = { volumeId: newVolumeId() };
      // The bare ID, so `ID=$(zfs-csi ctl new-volume-id)` works in a shell.
      return Promise.resolve({ response: answer, text: answer.volumeId });
    };
  },
}];

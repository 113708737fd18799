/** Every `zfs-csi ctl` subcommand, in the order `--help` lists them. */
import type { Command } from './command.js';
import { controllerInfoCommands } from './controller-info-commands.js';
import { heldCommands } from './held-commands.js';
import { idCommands } from './id-commands.js';
import { identityCommands } from './identity-commands.js';
import { importCommands } from './import-commands.js';
import { nodeCommands } from './node-commands.js';
import { snapshotCommands } from './snapshot-commands.js';
import { transferCommands } from './transfer-commands.js';
import { volumeCommands } from './volume-commands.js';

export const COMMAND_GROUPS: readonly (readonly [string, readonly Command[]])[] = [
  ['Identity', identityCommands],
  ['Controller: volumes', volumeCommands],
  ['Controller: snapshots', snapshotCommands],
  ['Controller: other', controllerInfoCommands],
  ['Node', nodeCommands],
  ['Import (standalone, admin socket)', importCommands],
  ['Offline (no socket)', idCommands],
  ['Deleted volumes (standalone, admin socket)', heldCommands],
  ['Transfers (standalone, admin socket)', transferCommands],
];

export const COMMANDS: readonly Command[] = COMMAND_GROUPS.flatMap(([, list]) => list);

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** `ctl transfer-*`: start, list, watch and cancel node-to-node transfers (standalone, issue #8 part 4). */
import { DriverError } from '../../domain/errors.js';
import type { TransferStatus } from '../../transfer/manager.js';
import { ADMIN_FLAGS, type AdminClient } from './admin-client.js';
import type { CallContext, Command, Outcome } from './command.js';
import type { FlagSpecs, FlagValues } from './flags.js';
import { decodeList, decodeStatus, progressText, statusTable, statusText } from './transfer-status.js';

const TRANSFER_ID = { type: 'string', value: 'ID', help: 'transfer ID (from transfer-start or transfer-list)', required: true } as const;
/** How often a waiting command asks for progress. */
const POLL_MS = 500;

function adminCommand(name: string, summary: string, flags: FlagSpecs, run: (f: FlagValues) => (c: CallContext) => Promise<Outcome>): Command {
  return { name, summary, flags: { ...flags, ...ADMIN_FLAGS }, prepare: run };
}

const path = (id: string): string => `/v1/transfers/${encodeURIComponent(id)}`;

/** Polls until the transfer is no longer running, printing progress when it changes; a failure is the exit status. */
async function waitFor(admin: AdminClient, first: TransferStatus, progress: (line: string) => void): Promise<TransferStatus> {
  let status = first;
  let last = '';
  while (status.state === 'running') {
    const line = `${status.id}: ${status.phase}${status.mode ? ` (${status.mode})` : ''}, ${progressText(status)}`;
    if (line !== last) progress(line);
    last = line;
    await new Promise((r) => setTimeout(r, POLL_MS));
    status = decodeStatus(await admin.get(path(status.id)));
  }
  if (status.state !== 'succeeded') {
    throw new DriverError(status.error?.code ?? 'ABORTED', `transfer ${status.id} ${status.state}: ${status.error?.message ?? ''}`);
  }
  return status;
}

const outcome = (status: TransferStatus): Outcome => ({ response: status, text: statusText(status) });

export const transferCommands: readonly Command[] = [
  adminCommand('transfer-start', 'Send a snapshot to a peer node (incremental when the peer holds an older one); prints the transfer.', {
    'snapshot-id': { type: 'string', value: 'ID', help: 'the snapshot to send (a managed snapshot of this node)', required: true },
    to: { type: 'string', value: 'NODE', help: 'the peer node (one of the driver\'s --peer names)', required: true },
    parent: { type: 'string', value: 'DATASET', help: 'the peer\'s parent dataset to receive into (default: its first)' },
    wait: { type: 'boolean', help: 'wait until it finishes, printing progress; exit 1 if it fails' },
  }, (f) => {
    const body = { snapshotId: f.required('snapshot-id'), peer: f.required('to'), ...(f.string('parent') ? { parent: f.string('parent') } : {}) };
    return async (c) => {
      const admin = c.admin();
      const started = decodeStatus(await admin.post('/v1/transfers', body));
      return outcome(f.bool('wait') ? await waitFor(admin, started, c.progress) : started);
    };
  }),
  adminCommand('transfer-list', 'Transfers this driver has sent or is sending (the last 100 finished ones).', {}, () => async (c) => {
    const list = decodeList(await c.admin().get('/v1/transfers'));
    return { response: { transfers: list }, text: statusTable(list) };
  }),
  adminCommand('transfer-watch', 'Follow a transfer until it finishes, printing progress; exit 1 if it fails.', { 'transfer-id': TRANSFER_ID }, (f) => {
    const id = f.required('transfer-id');
    return async (c) => {
      const admin = c.admin();
      return outcome(await waitFor(admin, decodeStatus(await admin.get(path(id))), c.progress));
    };
  }),
  adminCommand('transfer-cancel', 'Cancel a running transfer; the peer keeps nothing of it.', { 'transfer-id': TRANSFER_ID }, (f) => {
    const id = f.required('transfer-id');
    return async (c) => {
      const admin = c.admin();
      let status = decodeStatus(await admin.post(`${path(id)}/cancel`));
      // The abort takes effect at once; the status settles when both ends have let go.
      for (let i = 0; status.state === 'running' && i < 60; i++) {
        await new Promise((r) => setTimeout(r, POLL_MS / 5));
        status = decodeStatus(await admin.get(path(id)));
      }
      return outcome(status);
    };
  }),
];

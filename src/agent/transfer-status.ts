/**
 * A ZfsTransfer as the transfer metrics see a transfer (src/metrics/transfers.ts, shared with standalone
 * mode): the same series for both modes, so one dashboard serves both (issue #8, "progress in metrics").
 */
import type { ZfsTransfer } from '../store/kube/resources.js';
import type { TransferStatus } from '../transfer/manager.js';
import type { Phase } from '../transfer/sender.js';

const PHASES: readonly Phase[] = ['connecting', 'negotiating', 'sending', 'confirming'];

export function transferStatusOf(t: ZfsTransfer): TransferStatus {
  const st = t.status ?? {};
  const state = st.phase === 'Succeeded' ? 'succeeded' : st.phase === 'Failed' ? 'failed' : 'running';
  const step = PHASES.find((p) => p === st.step);
  return {
    id: t.metadata.name, snapshotId: t.spec.snapshotId, volumeId: t.spec.volumeId, peer: t.spec.targetNode, state,
    phase: state === 'running' ? (step ?? 'connecting') : 'done',
    bytes: st.bytes ?? '0', estimateBytes: st.estimateBytes ?? '0', rateBytesPerSecond: st.rateBytesPerSecond ?? 0,
    startedAt: st.startedAt ?? '',
    ...(st.mode === undefined ? {} : { mode: st.mode }),
    ...(st.base === undefined ? {} : { base: st.base }),
    ...(st.finishedAt === undefined ? {} : { finishedAt: st.finishedAt }),
    ...(st.code === undefined ? {} : { error: { code: st.code, message: st.message ?? '' } }),
  };
}

/** Transfers this node is sending now (Running), for the running gauge. */
export const runningTransfers = (outgoing: readonly ZfsTransfer[]): TransferStatus[] =>
  outgoing.filter((t) => t.status?.phase === 'Running').map(transferStatusOf);

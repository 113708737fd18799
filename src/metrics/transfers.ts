import { Counter, Gauge, type Registry } from 'prom-client';
import type { TransferStatus } from '../transfer/manager.js';
import { METRIC } from './names.js';

/**
 * Transfer metrics of the sending node (issue #8): outcomes and bytes per peer, what is running now, and
 * when each peer last received a snapshot (the loss window of a copy: now minus that time). Labels are
 * bounded by the configured peers, never a transfer or snapshot id.
 */
export class TransferMetrics {
  readonly #total: Counter<'peer' | 'mode' | 'outcome'>;
  readonly #bytes: Counter<'peer'>;
  readonly #lastSuccess: Gauge<'peer'>;

  constructor(registry: Registry, list: () => readonly TransferStatus[]) {
    const registers = [registry];
    this.#total = new Counter({
      name: METRIC.transfers, help: 'Finished transfers by peer, stream mode (full, incremental, present) and outcome.',
      labelNames: ['peer', 'mode', 'outcome'], registers,
    });
    this.#bytes = new Counter({ name: METRIC.transferBytes, help: 'Stream bytes sent to each peer by successful transfers.', labelNames: ['peer'], registers });
    this.#lastSuccess = new Gauge({
      name: METRIC.transferLastSuccess, help: 'Unix time of the last successful transfer to each peer.', labelNames: ['peer'], registers,
    });
    const running = new Gauge({
      name: METRIC.transfersRunning, help: 'Transfers running now, by phase.', labelNames: ['phase'], registers,
      collect: () => {
        running.reset();
        for (const t of list()) if (t.state === 'running') running.inc({ phase: t.phase });
      },
    });
  }

  /** TransferManager's onChange: counts each transfer once, when it finishes. */
  readonly observe = (status: TransferStatus): void => {
    if (status.state === 'running') return;
    this.#total.inc({ peer: status.peer, mode: status.mode ?? 'none', outcome: status.state });
    if (status.state !== 'succeeded') return;
    this.#bytes.inc({ peer: status.peer }, Number(status.bytes));
    this.#lastSuccess.set({ peer: status.peer }, Date.parse(status.finishedAt ?? '') / 1000);
  };
}

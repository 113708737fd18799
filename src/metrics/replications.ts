import { Gauge, type Registry } from 'prom-client';
import type { ZfsReplication } from '../store/kube/resources.js';
import { METRIC } from './names.js';

/**
 * Scheduled replication (issue #8): the loss window of each ZfsReplication, as the creation time of its
 * newest replicated snapshot (alert on `time() - this`), and whether its last step failed. Labels are
 * bounded by the ZfsReplications a person made, never a snapshot id.
 */
export function replicationMetrics(registry: Registry, list: () => readonly ZfsReplication[]): void {
  const labelNames = ['replication', 'volume', 'target_node'] as const;
  const labels = (r: ZfsReplication): Record<(typeof labelNames)[number], string> =>
    ({ replication: r.metadata.name, volume: r.spec.volumeId, target_node: r.spec.targetNode });
  const last = new Gauge({
    name: METRIC.replicationLastReplicated, labelNames, registers: [registry],
    help: 'Unix time at which the newest snapshot on the replica was taken: a restore from it holds the data as of then.',
    collect: () => {
      last.reset();
      for (const r of list()) {
        const at = Date.parse(r.status?.lastReplicatedTime ?? '');
        if (!Number.isNaN(at)) last.set(labels(r), at / 1000);
      }
    },
  });
  const failing = new Gauge({
    name: METRIC.replicationFailing, labelNames, registers: [registry],
    help: '1 while the replication\'s last step failed (status.code and message say why), else 0.',
    collect: () => {
      failing.reset();
      for (const r of list()) failing.set(labels(r), r.status?.phase === 'Failing' ? 1 : 0);
    },
  });
}

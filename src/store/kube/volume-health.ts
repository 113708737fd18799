/**
 * Kubernetes mode's volume condition (issue #7 "honest health"). The controller never runs `zfs`: it reads
 * what the owning node's agent recorded, the ZfsVolume's status phase and the ZfsNode's parents[].health
 * (refreshed every 30 s), and says how old that news is.
 */
import { abnormal, normal, poolCondition, type VolumeCondition } from '../../domain/health.js';
import type { ZfsNode, ZfsVolume } from './resources.js';

/** Beyond this the agent has missed several 30 s heartbeats: its pool health may no longer be true. */
export const STALE_HEARTBEAT_MS = 3 * 60_000;

export interface KubeHealthFacts {
  readonly volume: ZfsVolume;
  /** The ZfsNode of volume.spec.nodeName, when there is one. */
  readonly node: ZfsNode | undefined;
  /** The Kubernetes Node object is gone (NodeLossMonitor). */
  readonly nodeGone: boolean;
  readonly now: Date;
}

/** Every problem known, volume first, then its node and pool; normal when there is none. */
export function kubeVolumeCondition(facts: KubeHealthFacts): VolumeCondition {
  const problems = [...volumeProblems(facts.volume), ...nodeProblems(facts)];
  if (problems.length > 0) return abnormal(problems.join('; '));
  const st = facts.volume.status;
  return normal(`dataset ${st?.dataset ?? facts.volume.spec.volumeId} is Ready; pool is ONLINE (node ${facts.volume.spec.nodeName})`);
}

function volumeProblems(v: ZfsVolume): string[] {
  const st = v.status ?? {};
  const dataset = st.dataset ?? v.spec.importDataset ?? `${v.spec.parentDataset}/${v.spec.volumeId}`;
  const why = st.message === undefined || st.message === '' ? '' : `: ${st.message}`;
  switch (st.phase) {
    case 'Lost': return [`dataset ${dataset} is missing (phase Lost${why})`];
    case 'Unavailable': return [`dataset ${dataset} cannot be reached (phase Unavailable${why})`];
    case 'Failed': return [`volume failed on its node (phase Failed${why})`];
    default: break;
  }
  return st.deletion === 'Retired' ? [`dataset ${dataset} is retired`] : [];
}

function nodeProblems({ volume, node, nodeGone, now }: KubeHealthFacts): string[] {
  const name = volume.spec.nodeName;
  if (nodeGone) return [`node ${name} is gone (its Kubernetes Node object was deleted)`];
  if (node?.status === undefined) return [`node ${name} has not reported (no ZfsNode status): pool health unknown`];
  const out: string[] = [];
  const beat = Date.parse(node.status.lastHeartbeat ?? '');
  if (!Number.isNaN(beat) && now.getTime() - beat > STALE_HEARTBEAT_MS) {
    out.push(`node agent on ${name} last reported at ${node.status.lastHeartbeat ?? ''}: pool health may be stale`);
  }
  const parent = (node.status.parents ?? []).find((p) => p.parent === volume.spec.parentDataset);
  if (parent === undefined) return [...out, `node ${name} does not report parent dataset ${volume.spec.parentDataset}`];
  const pool = poolCondition(parent.pool, parent.health);
  if (pool === undefined) return out;
  // The agent writes UNAVAILABLE when `zpool list` finds no such pool or cannot be read.
  const detail = parent.health === 'UNAVAILABLE' ? ' (not imported, or its health cannot be read)' : '';
  return [...out, `${pool.message}${detail} on node ${name}`];
}

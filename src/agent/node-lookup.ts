/**
 * The Node service's view in Kubernetes mode: the agent's watched ZfsVolumes (no `zfs` call on this path,
 * DESIGN.md §7). Only a volume the agent reported Ready, on this node, with no deletion asked for, can be
 * published: anything else may have no dataset mounted at its mountpoint. A volume the agent reports
 * Unavailable (pool not imported, parent missing) is UNAVAILABLE, never NOT_FOUND (DESIGN.md §4 rule 6).
 */
import type { NodeVolumeLookup } from '../csi/node/lookup.js';
import type { ResourceCache } from '../store/kube/cache.js';
import type { ZfsVolume } from '../store/kube/resources.js';
import { AgentError } from './zfs-state.js';

export function volumeLookup(volumes: ResourceCache<ZfsVolume>, node: string): NodeVolumeLookup {
  return {
    lookup: async (volumeId) => {
      const v = volumes.get(volumeId);
      const st = v?.status;
      if (!v || !st || v.spec.nodeName !== node || v.spec.volumeId !== volumeId) return undefined;
      if (st.phase === 'Unavailable' && !v.spec.deletionRequested && !v.metadata.deletionTimestamp) {
        throw new AgentError('UNAVAILABLE', `volume ${volumeId} is unavailable on node ${node}: ${st.message ?? 'its pool or parent dataset is not there'}`);
      }
      if (st.phase !== 'Ready' || v.spec.deletionRequested || v.metadata.deletionTimestamp) return undefined;
      if (st.deletion === 'Destroyed' || st.deletion === 'Retired') return undefined;
      if (!st.dataset || !st.mountpoint || st.capacityBytes === undefined) return undefined;
      return { dataset: st.dataset, mountpoint: st.mountpoint, capacityBytes: BigInt(st.capacityBytes) };
    },
  };
}

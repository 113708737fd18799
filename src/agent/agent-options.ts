/** What a NodeAgent (src/agent/agent.ts) is built from: its node, pools, API, clocks and opt-in features. */
import type { Logger } from 'winston';
import type { Provisioner } from '../provision/provisioner.js';
import type { MountEntry } from '../mount/mounter.js';
import type { KubeApi } from '../store/kube/api.js';
import type { Zfs } from '../zfs/zfs.js';
import type { EventSink } from './events.js';
import type { AgentTransferOptions } from './transfers.js';

export interface NodeAgentOptions {
  readonly api: KubeApi;
  readonly zfs: Zfs;
  readonly provisioner: Provisioner;
  readonly node: string;
  readonly parents: readonly string[];
  readonly log: Logger;
  readonly agentVersion: string;
  /** Where Events go; default env POD_NAMESPACE, else `default`. */
  readonly eventNamespace?: string;
  readonly events?: EventSink;
  /** ZfsNode refresh; default 30 s. */
  readonly heartbeatMs?: number;
  /** Periodic sweep of retired data and re-adoption (recovery, drift); default 600 s. */
  readonly sweepIntervalMs?: number;
  /** How often pools and parents are checked, so one that comes back is noticed; default 15 s. */
  readonly presenceIntervalMs?: number;
  /** Keys reconciled at once; default 4. */
  readonly concurrency?: number;
  readonly retryBaseMs?: number;
  /** Backoff cap; default 30 s. */
  readonly retryMaxMs?: number;
  /** Wait between start-up attempts while pools or the API are missing; default 2 s. */
  readonly startRetryMs?: number;
  /** Re-create missing ZfsVolumes/ZfsSnapshots from the pool's records at start-up (src/agent/recovery.ts); default off. */
  readonly recoverResources?: boolean;
  /** Node-to-node transfers (issue #8): the endpoint and TLS identity; off when absent. */
  readonly transfers?: AgentTransferOptions;
  /** The host's mount table, for imports; default /proc/self/mountinfo. */
  readonly mountTable?: () => Promise<readonly MountEntry[]>;
}

/**
 * Kubernetes Events about the agent's objects, for people (`kubectl describe`): failures, lost datasets,
 * deletions without intent, drift. Best effort: KubeApi.event never fails a reconcile.
 */
import type { Logger } from 'winston';
import type { KubeApi } from '../store/kube/api.js';

export const EVENT_COMPONENT = 'zfs-csi-node';

export interface Involved {
  readonly kind: 'ZfsVolume' | 'ZfsSnapshot' | 'ZfsNode';
  readonly name: string;
  readonly uid?: string;
}

export interface EventSink {
  warning(involved: Involved, reason: string, message: string): Promise<void>;
  normal(involved: Involved, reason: string, message: string): Promise<void>;
}

/** Events go to the agent's own namespace (env POD_NAMESPACE): the resources themselves are cluster-scoped. */
export class KubeEventSink implements EventSink {
  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {}

  warning(involved: Involved, reason: string, message: string): Promise<void> {
    this.log.warn(message, { kind: involved.kind, name: involved.name, reason });
    return this.api.event(this.namespace, involved, 'Warning', reason, message, EVENT_COMPONENT);
  }

  normal(involved: Involved, reason: string, message: string): Promise<void> {
    this.log.info(message, { kind: involved.kind, name: involved.name, reason });
    return this.api.event(this.namespace, involved, 'Normal', reason, message, EVENT_COMPONENT);
  }
}

/** The namespace Events are recorded in: the pod's own (downward API), `default` outside a pod. */
export function eventNamespace(env: NodeJS.ProcessEnv): string {
  const ns = env['POD_NAMESPACE'];
  return ns !== undefined && ns !== '' ? ns : 'default';
}

export const involvedOf = (
  kind: Involved['kind'],
  meta: { readonly name: string; readonly uid?: string },
): Involved => ({ kind, name: meta.name, ...(meta.uid !== undefined ? { uid: meta.uid } : {}) });

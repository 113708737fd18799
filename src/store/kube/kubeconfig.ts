import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from './pooled-kubeconfig.js';

/**
 * The API server to talk to: the kubeconfig file when one is named (--kubeconfig or KUBECONFIG, for running
 * outside a cluster and for tests against the fake API server), otherwise the in-cluster service account.
 * Its API requests share keep-alive connections (pooled-kubeconfig.ts).
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new PooledKubeConfig();
  if (path !== undefined && path !== '') kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

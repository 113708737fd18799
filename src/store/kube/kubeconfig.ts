import { KubeConfig } from '@kubernetes/client-node';

/**
 * The API server to talk to: the kubeconfig file when one is named (--kubeconfig or KUBECONFIG, for running
 * outside a cluster and for tests against the fake API server), otherwise the in-cluster service account.
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined && path !== '') kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

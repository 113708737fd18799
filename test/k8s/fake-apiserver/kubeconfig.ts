/**
 * A KubeConfig for the fake API server: plain http on 127.0.0.1 (client-node only allows http with
 * skipTLSVerify) and the server's bearer token. The driver's own KubeConfig class, so tests send requests
 * as the driver does (one keep-alive agent).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../../src/store/kube/pooled-kubeconfig.js';

export interface KubeEndpoint {
  readonly url: string;
  readonly token: string;
}

/** `token` overrides the endpoint's (administrator) token, to act as another identity. */
export function fakeKubeConfig(server: KubeEndpoint, token = server.token): KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'fake', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

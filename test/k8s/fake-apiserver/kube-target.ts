/**
 * Where Kubernetes-mode tests send their requests: a real cluster when ZFS_CSI_TEST_KUBECONFIG names a
 * kubeconfig file (DESIGN.md §6: the same suite must run unchanged against one), otherwise a fresh fake
 * API server. `fake` is undefined against a real cluster, so tests that need the fake's controls
 * (faults, request log, compactHistory) can tell.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { fakeKubeConfig } from './kubeconfig.js';
import { FakeApiServer, type FakeApiServerOptions } from './server.js';

export interface KubeTarget {
  readonly kc: KubeConfig;
  readonly fake: FakeApiServer | undefined;
  close(): Promise<void>;
}

export async function startKubeTarget(options: FakeApiServerOptions = {}): Promise<KubeTarget> {
  const file = process.env['ZFS_CSI_TEST_KUBECONFIG'];
  if (file !== undefined && file !== '') {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return { kc, fake: undefined, close: async () => undefined };
  }
  const fake = await FakeApiServer.start(options);
  return { kc: fakeKubeConfig(fake), fake, close: () => fake.close() };
}

import type { FakeApiServer } from '../k8s/fake-apiserver/index.js';

/** The chart's namespace and its transfer CA objects (templates/transfer-ca.yaml), as the signer tests use them. */
export const NS = 'zfs-system';
export const CA = 'zfs-csi-transfer-ca';

/** The empty Secret and ConfigMap the chart renders; the controller's signer fills them. */
export function seedTransferCa(server: FakeApiServer): void {
  server.seed('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: CA, namespace: NS }, type: 'Opaque' });
  server.seed('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CA, namespace: NS } });
}

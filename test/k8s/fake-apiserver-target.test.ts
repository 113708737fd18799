/** Pins startKubeTarget: a fake API server unless ZFS_CSI_TEST_KUBECONFIG names a real cluster. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { apiStatusOf } from './fake-apiserver/client-helpers.js';
import { startKubeTarget } from './fake-apiserver/kube-target.js';

it('talks to a fake API server when no test kubeconfig is configured, or to the named cluster', async () => {
  const target = await startKubeTarget();
  try {
    const real = (process.env['ZFS_CSI_TEST_KUBECONFIG'] ?? '') !== '';
    assert.equal(target.fake === undefined, real);
    const api = target.kc.makeApiClient(CoordinationV1Api);
    const err = await api.readNamespacedLease({ namespace: 'default', name: 'zfs-csi-no-such-lease' }).then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(err)?.reason, 'NotFound');
    if (target.fake !== undefined) assert.equal(target.fake.requests.count({ status: 404 }), 1);
  } finally {
    await target.close();
  }
});

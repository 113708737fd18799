/**
 * Pins the namespaced built-in kinds the driver uses beside its custom resources: core `events` and
 * `coordination.k8s.io/v1` leases (leader election), through client-node's typed APIs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubernetesObject, type V1Lease } from '@kubernetes/client-node';
import { apiStatusOf } from './fake-apiserver/client-helpers.js';
import { startFixture, type Fixture } from './fake-apiserver/fixture.js';

let fx: Fixture;
let leases: CoordinationV1Api;
let core: CoreV1Api;
before(async () => {
  fx = await startFixture();
  leases = fx.kc.makeApiClient(CoordinationV1Api);
  core = fx.kc.makeApiClient(CoreV1Api);
});
after(async () => {
  await fx.close();
});

const lease = (name: string, holder: string): V1Lease => ({
  metadata: { name },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
});

describe('leases', () => {
  it('supports create, read, replace with optimistic concurrency, patch and list per namespace', async () => {
    const created = await leases.createNamespacedLease({ namespace: 'kube-system', body: lease('zfs-csi', 'a') });
    assert.equal(created.metadata?.namespace, 'kube-system');
    assert.equal(created.apiVersion, 'coordination.k8s.io/v1');
    assert.equal(created.kind, 'Lease');
    const read = await leases.readNamespacedLease({ namespace: 'kube-system', name: 'zfs-csi' });
    assert.equal(read.spec?.holderIdentity, 'a');

    const taken = await leases.replaceNamespacedLease({
      namespace: 'kube-system', name: 'zfs-csi', body: { ...read, spec: { ...read.spec, holderIdentity: 'b' } },
    });
    assert.equal(taken.spec?.holderIdentity, 'b');
    const lost = await leases
      .replaceNamespacedLease({ namespace: 'kube-system', name: 'zfs-csi', body: { ...read, spec: { ...read.spec, holderIdentity: 'c' } } })
      .then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(lost)?.reason, 'Conflict', 'two candidates cannot both take the lease');

    const patched = await leases.patchNamespacedLease({ namespace: 'kube-system', name: 'zfs-csi', body: { spec: { leaseTransitions: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    assert.equal(patched.spec?.leaseTransitions, 2, 'strategic merge is accepted for built-in kinds');
    assert.equal(patched.spec?.holderIdentity, 'b');

    await leases.createNamespacedLease({ namespace: 'other', body: lease('zfs-csi', 'z') });
    const inNs = await leases.listNamespacedLease({ namespace: 'kube-system' });
    assert.deepEqual(inNs.items.map((l) => l.spec?.holderIdentity), ['b']);
    const all = await leases.listLeaseForAllNamespaces();
    assert.equal(all.items.length, 2);
  });

  it('answers 404 for a lease in another namespace', async () => {
    const err = await leases.readNamespacedLease({ namespace: 'nowhere', name: 'zfs-csi' }).then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(err)?.code, 404);
  });
});

describe('events', () => {
  it('records events and lists them with a field selector on involvedObject', async () => {
    for (const { name, target } of [{ name: 'e1', target: 'pvc-1' }, { name: 'e2', target: 'pvc-2' }]) {
      await core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { name },
          involvedObject: { kind: 'ZfsVolume', name: target },
          reason: 'Provisioned', message: `created ${target}`, type: 'Normal',
        },
      });
    }
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=pvc-2' });
    assert.deepEqual(list.items.map((e) => e.metadata.name), ['e2']);
    assert.equal(list.items[0]?.message, 'created pvc-2');
    const patched = await core.patchNamespacedEvent({ namespace: 'default', name: 'e1', body: { count: 2 } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.equal(patched.count, 2);
  });
});

describe('discovery', () => {
  it('lets the generic KubernetesObjectApi find plurals and scope, for custom and built-in kinds', async () => {
    const objects = KubernetesObjectApi.makeApiClient(fx.kc);
    const created: KubernetesObject = await objects.create({
      apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsNode', metadata: { name: 'node-1' },
    });
    assert.equal(created.metadata?.name, 'node-1');
    const read: KubernetesObject = await objects.read({ apiVersion: 'zfs.csi.dev/v1alpha1', kind: 'ZfsNode', metadata: { name: 'node-1' } });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    assert.ok(fx.server.peek('zfsnodes', 'node-1'));
    const l = await objects.read({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'zfs-csi', namespace: 'kube-system' } });
    assert.equal(l.kind, 'Lease');
  });
});

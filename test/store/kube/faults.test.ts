import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { createReq, invoke, rejects, startRig, storedVolumes, until, type Rig } from './harness.js';

let rig: Rig;
const COLLECTION = '/apis/zfs.csi.dev/v1alpha1/zfsvolumes';

before(async () => {
  rig = await startRig();
});
after(async () => rig.close());
beforeEach(() => rig.server.faults.clear());

const byName = (name: string) => storedVolumes(rig.server).filter((o) => (o['spec'] as Record<string, unknown>)['csiName'] === name);
// What CSI sidecars retry on; INTERNAL or UNKNOWN would be a bug here (DESIGN.md §2).
const RETRYABLE = ['UNAVAILABLE', 'ABORTED', 'DEADLINE_EXCEEDED'] as const;

describe('API server failures during CreateVolume', () => {
  it('a 500 on create is UNAVAILABLE, writes nothing, and the retry works', async () => {
    rig.server.inject({ method: 'POST', path: COLLECTION, code: 500 });
    // The follow-up read after an ambiguous failure also fails: still a retryable code.
    rig.server.inject({ method: 'GET', path: /\/zfsvolumes\/vol-/, code: 503 });
    const err = await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name: 'pvc-500' })), RETRYABLE);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(byName('pvc-500').length, 0);
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-500' }));
    assert.match(res.volume?.volume_id ?? '', /^vol-/);
    assert.equal(byName('pvc-500').length, 1);
  });

  it('a reset connection on create is UNAVAILABLE, and the retry works', async () => {
    rig.server.inject({ method: 'POST', path: COLLECTION, reset: true });
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name: 'pvc-reset' })), RETRYABLE);
    await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-reset' }));
    assert.equal(byName('pvc-reset').length, 1);
  });

  it('an API server slower than the call is DEADLINE_EXCEEDED/ABORTED; the retry finds the one resource', async () => {
    rig.server.inject({ method: 'POST', path: COLLECTION, delayMs: 300, passThrough: true });
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name: 'pvc-slow' }), 100), ['DEADLINE_EXCEEDED', 'ABORTED']);
    await until('the late create to land and be answered', () =>
      rig.caches.volumes.list().some((v) => v.spec.csiName === 'pvc-slow' && v.status?.phase === 'Ready'));
    await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-slow' }));
    assert.equal(byName('pvc-slow').length, 1);
  });

  it('a broken watch is re-established and the wait still ends with the agent\'s answer', async () => {
    rig.server.inject({ watch: true, code: 500, times: 2 });
    rig.server.closeWatches();
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-watch' }), 8000);
    assert.match(res.volume?.volume_id ?? '', /^vol-/);
  });

  it('status-patch failures on the agent side only delay the answer', async () => {
    rig.server.inject({ method: 'PATCH', path: /\/status$/, code: 500, times: 3 });
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-agent-500' }));
    assert.match(res.volume?.volume_id ?? '', /^vol-/);
  });
});

describe('readiness', () => {
  it('is not ready, and refuses with UNAVAILABLE, until every cache has really been listed', async () => {
    const { ControllerCaches } = await import('../../../src/store/kube/controller-caches.js');
    const { KubeBackend } = await import('../../../src/store/kube/kube-backend.js');
    const { fakeKubeConfig } = await import('../../k8s/fake-apiserver/index.js');
    const { silent } = await import('./harness.js');
    rig.server.inject({ method: 'GET', path: '/apis/zfs.csi.dev/v1alpha1/zfssnapshots', watch: false, code: 500 });
    const caches = new ControllerCaches(fakeKubeConfig(rig.server), silent);
    const backend = new KubeBackend({
      api: caches.api, volumes: caches.volumes, snapshots: caches.snapshots, nodes: caches.nodes, log: silent,
      synced: () => caches.synced(),
    });
    try {
      assert.equal(await backend.ready(), false);
      await caches.start();
      assert.equal(await backend.ready(), false, 'the snapshot list failed: not ready yet');
      await rejects(backend.listVolumes(), 'UNAVAILABLE');
      await until('the informer to retry the list', () => caches.synced(), 4000);
      assert.equal(await backend.ready(), true);
      assert.ok((await backend.listVolumes()).length > 0);
    } finally {
      await caches.stop();
    }
  });
});

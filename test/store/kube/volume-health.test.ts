/**
 * Kubernetes mode's volume condition (issue #7 "honest health"): the mapping from what the agent recorded
 * (ZfsVolume phase, ZfsNode parents[].health and heartbeat) to CSI VolumeCondition, and the same through
 * ControllerGetVolume / ListVolumes on the fake API server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ControllerGetVolumeResponse } from '../../../src/grpc/gen/csi/v1/ControllerGetVolumeResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { ListVolumesResponse } from '../../../src/grpc/gen/csi/v1/ListVolumesResponse.js';
import { API_VERSION, PLURAL, type ZfsNode, type ZfsVolume, type ZfsVolumeStatus } from '../../../src/store/kube/resources.js';
import { STALE_HEARTBEAT_MS, kubeVolumeCondition } from '../../../src/store/kube/volume-health.js';
import { createReq, invoke, startRig, until, type Rig } from './harness.js';

const NOW = new Date('2026-12-06T05:00:00Z');

function volume(status: ZfsVolumeStatus): ZfsVolume {
  return {
    apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: 'vol-1' },
    spec: {
      csiName: 'pvc-1', volumeId: 'vol-1', nodeName: 'node-a', parentDataset: 'tank/csi', requestedBytes: '1024',
      properties: {}, quotaType: 'refquota', thin: true,
    },
    status: { dataset: 'tank/csi/vol-1', mountpoint: '/m/vol-1', ...status },
  };
}

function node(health: string, lastHeartbeat = NOW.toISOString(), parent = 'tank/csi'): ZfsNode {
  return {
    apiVersion: API_VERSION, kind: 'ZfsNode', metadata: { name: 'node-a' },
    status: {
      lastHeartbeat,
      parents: [{ parent, pool: 'tank', health, availableBytes: '1', usedBytes: '1', retiredBytes: '0' }],
    },
  };
}

const condition = (v: ZfsVolume, n: ZfsNode | undefined, nodeGone = false) =>
  kubeVolumeCondition({ volume: v, node: n, nodeGone, now: NOW });

describe('kubeVolumeCondition', () => {
  it('Ready on an ONLINE pool with a fresh heartbeat is normal', () => {
    assert.deepEqual(condition(volume({ phase: 'Ready' }), node('ONLINE')), {
      abnormal: false, message: 'dataset tank/csi/vol-1 is Ready; pool is ONLINE (node node-a)',
    });
  });

  it('each phase that means trouble is abnormal, with the agent\'s message', () => {
    const cases: [ZfsVolumeStatus, string][] = [
      [{ phase: 'Lost', message: 'dataset gone' }, 'dataset tank/csi/vol-1 is missing (phase Lost: dataset gone)'],
      [{ phase: 'Unavailable', message: 'pool tank not imported' }, 'dataset tank/csi/vol-1 cannot be reached (phase Unavailable: pool tank not imported)'],
      [{ phase: 'Failed' }, 'volume failed on its node (phase Failed)'],
      [{ phase: 'Ready', deletion: 'Retired' }, 'dataset tank/csi/vol-1 is retired'],
    ];
    for (const [status, message] of cases) {
      assert.deepEqual(condition(volume(status), node('ONLINE')), { abnormal: true, message }, JSON.stringify(status));
    }
  });

  it('every pool health other than ONLINE is abnormal and named', () => {
    for (const health of ['DEGRADED', 'FAULTED', 'SUSPENDED', 'UNAVAIL', 'OFFLINE', 'REMOVED']) {
      assert.deepEqual(condition(volume({ phase: 'Ready' }), node(health)), { abnormal: true, message: `pool tank is ${health} on node node-a` });
    }
    assert.deepEqual(condition(volume({ phase: 'Ready' }), node('UNAVAILABLE')), {
      abnormal: true, message: 'pool tank is UNAVAILABLE (not imported, or its health cannot be read) on node node-a',
    });
  });

  it('only the volume\'s own parent counts', () => {
    assert.deepEqual(condition(volume({ phase: 'Ready' }), node('FAULTED', NOW.toISOString(), 'tank/other')), {
      abnormal: true, message: 'node node-a does not report parent dataset tank/csi',
    });
  });

  it('no ZfsNode, a gone node, a stale heartbeat: abnormal, the news is not trusted', () => {
    assert.match(condition(volume({ phase: 'Ready' }), undefined).message, /node node-a has not reported/);
    assert.equal(condition(volume({ phase: 'Ready' }), undefined).abnormal, true);
    assert.deepEqual(condition(volume({ phase: 'Ready' }), node('ONLINE'), true), {
      abnormal: true, message: 'node node-a is gone (its Kubernetes Node object was deleted)',
    });
    const stale = new Date(NOW.getTime() - STALE_HEARTBEAT_MS - 1000).toISOString();
    const got = condition(volume({ phase: 'Ready' }), node('ONLINE', stale));
    assert.equal(got.abnormal, true);
    assert.match(got.message, /last reported at .*: pool health may be stale/);
    const fresh = new Date(NOW.getTime() - STALE_HEARTBEAT_MS + 1000).toISOString();
    assert.equal(condition(volume({ phase: 'Ready' }), node('ONLINE', fresh)).abnormal, false);
  });

  it('several problems are all named, volume first', () => {
    assert.deepEqual(condition(volume({ phase: 'Lost' }), node('DEGRADED')), {
      abnormal: true, message: 'dataset tank/csi/vol-1 is missing (phase Lost); pool tank is DEGRADED on node node-a',
    });
  });
});

describe('KubeBackend: conditions through ControllerGetVolume and ListVolumes', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.close());

  const get = async (id: string) =>
    (await invoke<ControllerGetVolumeResponse>(rig.svc, 'ControllerGetVolume', { volume_id: id })).status;

  it('a Ready volume is normal; Lost, then Unavailable, stay listed and read abnormal; a DEGRADED pool too', async () => {
    const created = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-health' }));
    const id = created.volume?.volume_id ?? '';
    assert.deepEqual(await get(id), {
      published_node_ids: [], volume_condition: { abnormal: false, message: `dataset tank/csi/${id} is Ready; pool is ONLINE (node node-a)` },
    });

    await rig.api.patchStatus(PLURAL.volume, id, { phase: 'Lost', code: 'NOT_FOUND', message: `dataset tank/csi/${id} is gone` });
    await until('Lost in the cache', () => rig.caches.volumes.get(id)?.status?.phase === 'Lost');
    assert.equal((await get(id))?.volume_condition?.abnormal, true);
    assert.match((await get(id))?.volume_condition?.message ?? '', /is missing \(phase Lost: dataset tank\/csi\/.* is gone\)/);

    await rig.api.patchStatus(PLURAL.volume, id, { phase: 'Unavailable', code: 'UNAVAILABLE', message: 'pool tank is not imported' });
    await until('Unavailable in the cache', () => rig.caches.volumes.get(id)?.status?.phase === 'Unavailable');
    const list = await invoke<ListVolumesResponse>(rig.svc, 'ListVolumes', { max_entries: 0, starting_token: '' });
    const entry = list.entries?.find((e) => e.volume?.volume_id === id);
    assert.ok(entry, 'an Unavailable volume is still the CO\'s: listed');
    assert.equal(entry.status?.volume_condition?.abnormal, true);
    assert.match(entry.status?.volume_condition?.message ?? '', /cannot be reached \(phase Unavailable: pool tank is not imported\)/);

    await rig.api.patchStatus(PLURAL.volume, id, { phase: 'Ready', code: null, message: null });
    await rig.api.patchStatus(PLURAL.node, 'node-a', {
      parents: [{ parent: 'tank/csi', pool: 'tank', health: 'DEGRADED', availableBytes: '1', usedBytes: '0', retiredBytes: '0' }],
    });
    await until('DEGRADED in the cache', () => rig.caches.nodes.get('node-a')?.status?.parents?.[0]?.health === 'DEGRADED');
    assert.deepEqual((await get(id))?.volume_condition, { abnormal: true, message: 'pool tank is DEGRADED on node node-a' });
  });
});

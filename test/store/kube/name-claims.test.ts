/**
 * CreateVolume idempotency when two ZfsVolumes claim one CO name: an operator imported a dataset on node-b
 * under the name of a volume the controller made on node-a (the agent checks names only on its own node,
 * docs/import.md). The controller must never answer either one: ALREADY_EXISTS naming both, the same every
 * time, nothing written; once the wrong claim is gone the name resolves to the remaining volume again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { soleClaim } from '../../../src/store/kube/name-claims.js';
import type { ControllerVolume } from '../../../src/store/kube/records.js';
import { API_VERSION, NODE_LABEL, PLURAL } from '../../../src/store/kube/resources.js';
import { DriverError } from '../../../src/domain/errors.js';
import { GiB, createReq, invoke, rejects, startRig, storedObjects, storedVolumes, topo, until, type Rig } from './harness.js';

const claim = (id: string, node: string): ControllerVolume => ({
  apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: id },
  spec: { csiName: 'pvc-x', volumeId: id, nodeName: node, parentDataset: 'tank/csi', requestedBytes: '0', properties: {}, quotaType: 'refquota', thin: true },
});

describe('soleClaim', () => {
  it('no claim is no volume, one claim is that volume', () => {
    assert.equal(soleClaim('pvc-x', []), undefined);
    const one = claim('vol-a', 'node-a');
    assert.equal(soleClaim('pvc-x', [one]), one);
  });

  it('two claims are ALREADY_EXISTS naming both in a fixed order, whatever order the cache lists them in', () => {
    const a = claim('vol-a', 'node-a');
    const b = claim('vol-b', 'node-b');
    const messages = [[a, b], [b, a]].map((list) => {
      try {
        soleClaim('pvc-x', list);
      } catch (err) {
        assert.ok(err instanceof DriverError && err.code === 'ALREADY_EXISTS');
        return err.message;
      }
      return assert.fail('a volume was answered for an ambiguous name');
    });
    assert.equal(messages[0], messages[1]);
    assert.match(messages[0] ?? '', /"pvc-x" is claimed by 2 ZfsVolumes \(vol-a on node node-a, vol-b on node node-b\)/);
  });

  it('two ZfsSnapshots claiming one snapshot name are ALREADY_EXISTS with the snapshot remedy', () => {
    const snap = (id: string, node: string) => ({ metadata: { name: id }, spec: { nodeName: node } });
    assert.throws(() => soleClaim('snapshot-x', [snap('snap-b', 'node-b'), snap('snap-a', 'node-a')], 'ZfsSnapshot'),
      (err: unknown) => err instanceof DriverError && err.code === 'ALREADY_EXISTS'
        && /"snapshot-x" is claimed by 2 ZfsSnapshots \(snap-a on node node-a, snap-b on node node-b\).*delete the ZfsSnapshot/.test(err.message));
  });
});

let rig: Rig;
before(async () => {
  rig = await startRig();
});
after(async () => rig.close());

const byName = (name: string) => storedVolumes(rig.server).filter((o) => (o['spec'] as Record<string, unknown>)['csiName'] === name);

describe('KubeBackend: a CO name claimed on two nodes', () => {
  it('CreateVolume answers neither volume, writes nothing, and resolves again once the import is removed', async () => {
    const name = 'pvc-claimed-twice';
    const req = createReq({ name, accessibility_requirements: { requisite: [topo('node-a')], preferred: [topo('node-a')] } });
    const made = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', req);
    const madeId = made.volume?.volume_id ?? '';
    const importedId = 'vol-3k7qzv2mrm5xw4dc6ayh';
    await rig.api.create(PLURAL.volume, {
      apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: importedId, labels: { [NODE_LABEL]: 'node-b' } },
      spec: {
        csiName: name, volumeId: importedId, nodeName: 'node-b', parentDataset: 'tank/csi', importDataset: 'tank/csi/pgdata',
        requestedBytes: String(GiB), properties: {}, quotaType: 'refquota', thin: true,
      },
    });
    await until('the import Ready in the controller\'s cache', () => rig.caches.volumes.get(importedId)?.status?.phase === 'Ready');
    for (let i = 0; i < 3; i++) {
      await rejects(invoke(rig.svc, 'CreateVolume', req), 'ALREADY_EXISTS',
        new RegExp(`claimed by 2 ZfsVolumes \\(.*${madeId}.*\\).*neither is answered`));
      await rejects(invoke(rig.svc, 'CreateVolume', createReq({ name })), 'ALREADY_EXISTS', /neither is answered/);
    }
    assert.equal(byName(name).length, 2, 'no third resource');
    await rig.api.delete(PLURAL.volume, importedId);
    await until('the import gone from the controller\'s cache', () => rig.caches.volumes.get(importedId) === undefined);
    const again = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', req);
    assert.equal(again.volume?.volume_id, madeId, 'the volume the controller made, as before the import');
  });
});

describe('KubeBackend: a CSI snapshot name claimed on two nodes', () => {
  it('CreateSnapshot answers neither snapshot, writes nothing, and resolves again once the stray claim is removed', async () => {
    const vol = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: 'pvc-snap-src' }));
    const source = vol.volume?.volume_id ?? assert.fail('no volume id');
    const req = { name: 'snap-claimed-twice', source_volume_id: source, secrets: {}, parameters: {} };
    const made = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', req);
    const madeId = made.snapshot?.snapshot_id ?? assert.fail('no snapshot id');
    const strayId = 'snap-3k7qzv2mrm5xw4dc6ayh';
    await rig.api.create(PLURAL.snapshot, {
      apiVersion: API_VERSION, kind: 'ZfsSnapshot', metadata: { name: strayId, labels: { [NODE_LABEL]: 'node-b' } },
      spec: { csiName: req.name, snapshotId: strayId, sourceVolumeId: 'vol-elsewhere', nodeName: 'node-b' },
    });
    await until('the stray claim ready in the controller\'s cache', () => rig.caches.snapshots.get(strayId)?.status?.readyToUse === true);
    for (let i = 0; i < 2; i++) {
      await rejects(invoke(rig.svc, 'CreateSnapshot', req), 'ALREADY_EXISTS',
        new RegExp(`claimed by 2 ZfsSnapshots \\(.*${madeId}.*\\).*neither is answered`));
    }
    const claims = storedObjects(rig.server, 'zfssnapshots').filter((o) => (o['spec'] as Record<string, unknown>)['csiName'] === req.name);
    assert.equal(claims.length, 2, 'no third resource');
    await rig.api.delete(PLURAL.snapshot, strayId);
    await until('the stray claim gone from the controller\'s cache', () => rig.caches.snapshots.get(strayId) === undefined);
    const again = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', req);
    assert.equal(again.snapshot?.snapshot_id, madeId, 'the snapshot the controller took, as before');
  });
});

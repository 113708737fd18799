/**
 * CreateVolume idempotency when two ZfsVolumes claim one CO name: an operator imported a dataset on node-b
 * under the name of a volume the controller made on node-a (the agent checks names only on its own node,
 * docs/import.md). The controller must never answer either one: ALREADY_EXISTS naming both, the same every
 * time, nothing written; once the wrong claim is gone the name resolves to the remaining volume again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { soleClaim } from '../../../src/store/kube/name-claims.js';
import type { ControllerVolume } from '../../../src/store/kube/records.js';
import { API_VERSION, NODE_LABEL, PLURAL } from '../../../src/store/kube/resources.js';
import { DriverError } from '../../../src/domain/errors.js';
import { GiB, createReq, invoke, rejects, startRig, storedVolumes, topo, until, type Rig } from './harness.js';

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

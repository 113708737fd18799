/**
 * ControllerModifyVolume in Kubernetes mode end to end (issue #10 part 1): the controller process takes the call
 * over gRPC, records it in the ZfsVolume's spec.mutableParameters, node-b's agent runs `zfs set` on its
 * zfs-fuse pool and answers in status.appliedParameters; refusals reach the caller with their code.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { zfsProp } from '../support/pool.js';
import { E2eCluster } from './cluster.js';
import { createVolume, DEADLINE, expectCode, MiB } from './csi.js';

let k: E2eCluster;
before(async () => {
  k = await E2eCluster.start();
});
after(async () => {
  await k.cleanup();
});

async function allProps(dataset: string): Promise<Map<string, string>> {
  const r = await execa('/sbin/zfs', ['get', '-Hp', '-o', 'property,value', 'all', dataset]);
  return new Map(r.stdout.split('\n').map((l) => l.split('\t') as [string, string]));
}

const modify = (volumeId: string, mutable: Record<string, string>) =>
  k.controller.client.controller.ControllerModifyVolume({ volume_id: volumeId, mutable_parameters: mutable }, DEADLINE);

test('a modification travels in the ZfsVolume spec to node-b\'s agent, is set on its pool and answered in status', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-modify', node: k.b.name });
  const dataset = `${k.b.pool.parent}/${v.id}`;
  const asked = { compression: 'gzip', recordsize: '16K', atime: 'off', copies: '2', quotaType: 'quota', thin: 'false' };
  for (let i = 0; i < 2; i++) assert.deepEqual(await modify(v.id, asked), {}, 'the same modification twice is OK');
  assert.equal(await zfsProp(dataset, 'compression'), 'gzip');
  assert.equal(await zfsProp(dataset, 'recordsize'), '16384');
  assert.equal(await zfsProp(dataset, 'atime'), 'off');
  assert.equal(await zfsProp(dataset, 'copies'), '2');
  assert.equal(await zfsProp(dataset, 'quota'), String(32n * MiB));
  assert.equal(await zfsProp(dataset, 'reservation'), String(32n * MiB));
  assert.equal(await zfsProp(dataset, 'refquota'), '0');
  const r = await k.volume(v.id);
  const want = { properties: { atime: 'off', compression: 'gzip', copies: '2', recordsize: '16384' }, quotaType: 'quota', thin: false };
  assert.deepEqual(r?.spec.mutableParameters, want);
  assert.deepEqual(r?.status?.appliedParameters, want);
  assert.equal(r?.status?.observedGeneration, r?.metadata.generation);
  assert.equal(r?.status?.code, undefined);
  assert.deepEqual(r?.spec.properties, {}, 'the creation parameters are kept as they were');
});

test('refusals: bad keys before any write, a property node-b\'s ZFS lacks from the agent, with nothing changed', async () => {
  const v = await createVolume(k.controller.client, { name: 'pvc-modify-bad', node: k.b.name });
  const dataset = `${k.b.pool.parent}/${v.id}`;
  await modify(v.id, { compression: 'gzip' });
  const before = await allProps(dataset);
  await expectCode(modify(v.id, { casesensitivity: 'mixed' }), 'INVALID_ARGUMENT', 'unknown key');
  await expectCode(modify(v.id, { snapdir: 'visible' }), 'INVALID_ARGUMENT', 'immutable key');
  await expectCode(modify('vol-aaaaaaaaaaaaaaaaaaaa', { atime: 'off' }), 'NOT_FOUND', 'unknown volume');
  if (!before.has('sync')) {
    // zfs-fuse has no sync: the agent refuses (INVALID_ARGUMENT in status.code), the controller relays it.
    await expectCode(modify(v.id, { sync: 'always', atime: 'off' }), 'INVALID_ARGUMENT', 'sync on zfs-fuse');
    const r = await k.volume(v.id);
    assert.deepEqual(r?.spec.mutableParameters, { properties: { compression: 'gzip' } }, 'the refused intent is withdrawn');
  }
  assert.deepEqual(await allProps(dataset), before, 'nothing changed on the pool');
  // And the volume takes a good modification afterwards.
  await modify(v.id, { atime: 'off' });
  assert.equal(await zfsProp(dataset, 'atime'), 'off');
});

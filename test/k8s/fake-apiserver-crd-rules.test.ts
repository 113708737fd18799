/**
 * The fake enforces the x-kubernetes-validations of the chart's CRDs, as a cluster with the chart does:
 * plain rules on create and update, transition rules (oldSelf) only on update.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeApi, KubeError } from '../../src/store/kube/api.js';
import { API_VERSION, PLURAL } from '../../src/store/kube/resources.js';
import { FakeApiServer, fakeKubeConfig } from './fake-apiserver/index.js';

let server: FakeApiServer;
let api: KubeApi;
before(async () => {
  server = await FakeApiServer.start();
  api = new KubeApi(fakeKubeConfig(server));
});
after(() => server.close());

const volume = (name: string, volumeId = name): object => ({
  apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name },
  spec: { csiName: `pvc-${name}`, volumeId, nodeName: 'n1', parentDataset: 'tank/csi', requestedBytes: '1', properties: {}, quotaType: 'refquota', thin: true },
});

const invalid = (text: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof KubeError, String(err));
  assert.equal(err.httpStatus, 422);
  assert.match(err.message, text);
  return true;
};

test('a rule on the root object runs on create: the name must be the volume ID', async () => {
  await assert.rejects(api.create(PLURAL.volume, volume('vol-a', 'vol-b')), invalid(/named by its volume ID/));
  assert.equal(server.peek(PLURAL.volume, 'vol-a'), undefined);
});

test('transition rules let a create through and refuse a change of an immutable field', async () => {
  await api.create(PLURAL.volume, volume('vol-t'));
  await assert.rejects(api.patch(PLURAL.volume, 'vol-t', { spec: { parentDataset: 'other/csi' } }), invalid(/spec\.parentDataset: .*parentDataset is immutable/));
  await api.patch(PLURAL.volume, 'vol-t', { spec: { requestedBytes: '2' } });
  await api.patchStatus(PLURAL.volume, 'vol-t', { phase: 'Ready' });
});

test('spec.importDataset (issue #10): below parentDataset only, and never added, changed or removed later', async () => {
  const imported = (name: string, importDataset: string): object => {
    const v = volume(name) as { spec: Record<string, unknown> };
    return { ...v, spec: { ...v.spec, importDataset } };
  };
  await assert.rejects(api.create(PLURAL.volume, imported('vol-i1', 'tank/other/db')), invalid(/importDataset must be below parentDataset/));
  await assert.rejects(api.create(PLURAL.volume, imported('vol-i1', 'tank/csidb')), invalid(/importDataset must be below parentDataset/));
  await api.create(PLURAL.volume, imported('vol-i1', 'tank/csi/db'));
  await assert.rejects(api.patch(PLURAL.volume, 'vol-i1', { spec: { importDataset: 'tank/csi/other' } }), invalid(/importDataset is immutable/));
  await assert.rejects(api.patch(PLURAL.volume, 'vol-i1', { spec: { importDataset: null } }), invalid(/importDataset is immutable/));
  await api.create(PLURAL.volume, volume('vol-i2'));
  await assert.rejects(api.patch(PLURAL.volume, 'vol-i2', { spec: { importDataset: 'tank/csi/db' } }), invalid(/importDataset is immutable/));
});

test('crdValidation: false turns the rules off (the REST-semantics tests use free-form specs)', async () => {
  const loose = await FakeApiServer.start({ crdValidation: false });
  try {
    await new KubeApi(fakeKubeConfig(loose)).create(PLURAL.volume, volume('vol-a', 'vol-b'));
  } finally {
    await loose.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeApi } from '../../../src/store/kube/api.js';
import { ResourceCache } from '../../../src/store/kube/cache.js';
import { decodeVolume } from '../../../src/store/kube/decode.js';
import { API_VERSION, PLURAL, type ZfsVolume } from '../../../src/store/kube/resources.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';

let server: FakeApiServer;
let api: KubeApi;
let cache: ResourceCache<ZfsVolume>;

before(async () => {
  server = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
  api = new KubeApi(fakeKubeConfig(server));
  cache = new ResourceCache(api, PLURAL.volume, decodeVolume);
  await cache.start();
});
after(async () => {
  await cache.stop();
  await server.close();
});

const volume = (name: string): object => ({
  apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name },
  spec: {
    csiName: name, volumeId: name, nodeName: 'n1', parentDataset: 'tank/csi', requestedBytes: '1',
    properties: {}, quotaType: 'refquota', thin: true,
  },
});

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a late, older copy (a write answer behind the watch) never replaces a newer cached object', async () => {
  const created = await api.create(PLURAL.volume, volume('vol-cache'));
  const patched = await api.patch(PLURAL.volume, 'vol-cache', { spec: { deletionRequested: true } });
  const newer = decodeVolume(patched)!;
  await until('the watch delivers the patch', () => cache.get('vol-cache')?.spec.deletionRequested === true);
  // The create's answer arrives last (as a slow write answer can): the deletion mark must survive.
  cache.observe(created);
  assert.equal(cache.get('vol-cache')?.spec.deletionRequested, true);
  assert.equal(cache.get('vol-cache')?.metadata.resourceVersion, newer.metadata.resourceVersion);
});

test('waitFor resolves on the state asked for and rejects with ABORTED when the signal aborts first', async () => {
  await api.create(PLURAL.volume, volume('vol-wait'));
  const ready = cache.waitFor('vol-wait', (v) => v?.status?.phase === 'Ready', AbortSignal.timeout(5000));
  await api.patchStatus(PLURAL.volume, 'vol-wait', { phase: 'Ready' });
  assert.equal((await ready)?.status?.phase, 'Ready');
  await assert.rejects(
    cache.waitFor('vol-wait', (v) => v === undefined, AbortSignal.abort()),
    (err: unknown) => err instanceof Error && 'code' in err && err.code === 'ABORTED',
  );
});

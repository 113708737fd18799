import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeApi } from '../../../src/store/kube/api.js';
import { ResourceCache } from '../../../src/store/kube/cache.js';
import { decodeVolume } from '../../../src/store/kube/decode.js';
import { PLURAL, type ZfsVolume } from '../../../src/store/kube/resources.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { volumeBody } from './harness.js';

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

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a late, older copy (a write answer behind the watch) never replaces a newer cached object', async () => {
  const epoch = cache.epoch;
  const created = await api.create(PLURAL.volume, volumeBody('vol-cache'));
  const patched = await api.patch(PLURAL.volume, 'vol-cache', { spec: { deletionRequested: true } });
  const newer = decodeVolume(patched)!;
  await until('the watch delivers the patch', () => cache.get('vol-cache')?.spec.deletionRequested === true);
  // The create's answer arrives last (as a slow write answer can): the deletion mark must survive.
  cache.observe(created, epoch);
  assert.equal(cache.get('vol-cache')?.spec.deletionRequested, true);
  assert.equal(cache.get('vol-cache')?.metadata.resourceVersion, newer.metadata.resourceVersion);
});

test('waitFor resolves on the state asked for and rejects with ABORTED when the signal aborts first', async () => {
  await api.create(PLURAL.volume, volumeBody('vol-wait'));
  const ready = cache.waitFor('vol-wait', (v) => v?.status?.phase === 'Ready', AbortSignal.timeout(5000));
  await api.patchStatus(PLURAL.volume, 'vol-wait', { phase: 'Ready' });
  assert.equal((await ready)?.status?.phase, 'Ready');
  await assert.rejects(
    cache.waitFor('vol-wait', (v) => v === undefined, AbortSignal.abort()),
    (err: unknown) => err instanceof Error && 'code' in err && err.code === 'ABORTED',
  );
});

test('after 410 Gone the cache relists: changes made while the watch was down all show, deletions too', async () => {
  await api.create(PLURAL.volume, volumeBody('vol-gone'));
  await api.create(PLURAL.volume, volumeBody('vol-kept'));
  await until('both are cached', () => cache.get('vol-gone') !== undefined && cache.get('vol-kept') !== undefined);
  // A write answered but not yet echoed is held in the cache; the relist must replace it with the truth.
  const epoch = cache.epoch;
  cache.observe({ ...volumeBody('vol-kept'), metadata: { name: 'vol-kept', resourceVersion: 'never-echoed' } }, epoch);
  // Hold the next watch request back, end the current one, and change things meanwhile.
  server.inject({ watch: true, passThrough: true, delayMs: 400, times: 1 });
  const listsOf = (): number => server.requests.count({ method: 'GET', watch: false, path: /zfsvolumes$/ });
  const lists = listsOf();
  server.closeWatches();
  await api.delete(PLURAL.volume, 'vol-gone');
  await api.patch(PLURAL.volume, 'vol-kept', { spec: { deletionRequested: true } });
  server.compactHistory();
  await until('the relist shows the deletion and the patch', () =>
    cache.get('vol-gone') === undefined && cache.get('vol-kept')?.spec.deletionRequested === true);
  assert.ok(listsOf() > lists, 'a new list was made');
  assert.notEqual(cache.get('vol-kept')?.metadata.resourceVersion, 'never-echoed');
});

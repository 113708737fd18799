/**
 * Pins watch semantics of the fake API server through client-node's `Watch` and informer: resume from a
 * resourceVersion, BOOKMARKs, 410 Expired for a resourceVersion older than the history, timeoutSeconds,
 * selector transitions, finalizer deletion, and an informer that survives dropped streams and relists.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeInformer, Watch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { mergePatchClusterObject } from './fake-apiserver/client-helpers.js';
import { asObject, field, startFixture, volume, VOLUMES, VOLUMES_PATH, waitFor, type Fixture } from './fake-apiserver/fixture.js';
import type { JsonObject } from './fake-apiserver/json.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture({ bookmarkIntervalMs: 50 });
});
after(async () => {
  await fx.close();
});

interface Seen {
  readonly type: string;
  readonly object: JsonObject;
}

interface OpenedWatch {
  readonly events: Seen[];
  readonly ended: Promise<unknown>;
  isEnded(): boolean;
  stop(): void;
}

async function openWatch(query: Record<string, string | number | boolean>): Promise<OpenedWatch> {
  const events: Seen[] = [];
  let ended = false;
  let resolveEnded: (err: unknown) => void = () => undefined;
  const endedPromise = new Promise<unknown>((resolve) => (resolveEnded = resolve));
  const controller = await new Watch(fx.kc).watch(VOLUMES_PATH, query,
    (type: string, object: unknown) => events.push({ type, object: asObject(object) }),
    (err: unknown) => {
      ended = true;
      resolveEnded(err);
    });
  return { events, ended: endedPromise, isEnded: () => ended, stop: () => controller.abort() };
}

const create = async (name: string, spec: JsonObject = {}, labels?: Record<string, string>) =>
  asObject(await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume(name, spec, labels) }));
const rvOf = (obj: unknown): string => String(field(obj, 'metadata.resourceVersion'));
const summary = (events: readonly Seen[]) => events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${String(field(e.object, 'metadata.name'))}`);

describe('watch', () => {
  it('from a resourceVersion delivers only the later events, in order', async () => {
    await create('w-before');
    const start = fx.server.resourceVersion;
    await create('w-after');
    const w = await openWatch({ resourceVersion: start });
    await mergePatchClusterObject(fx.api, { ...VOLUMES, name: 'w-after' }, { spec: { size: 2 } });
    await fx.api.deleteClusterCustomObject({ ...VOLUMES, name: 'w-after' });
    await waitFor('three events', () => summary(w.events).length >= 3);
    assert.deepEqual(summary(w.events), ['ADDED w-after', 'MODIFIED w-after', 'DELETED w-after']);
    const rvs = w.events.map((e) => Number(rvOf(e.object)));
    assert.deepEqual([...rvs].sort((a, b) => a - b), rvs, 'resourceVersions increase');
    assert.equal(fx.server.openWatches, 1);
    w.stop();
    await waitFor('the server to drop the aborted watch', () => fx.server.openWatches === 0);
  });

  it('without a resourceVersion starts with ADDED for every current object', async () => {
    await create('w-init', {}, { only: 'init' });
    const w = await openWatch({ labelSelector: 'only=init' });
    await waitFor('initial ADDED', () => w.events.length >= 1);
    assert.deepEqual(summary(w.events), ['ADDED w-init']);
    w.stop();
  });

  it('sends BOOKMARKs carrying the current resourceVersion when allowed', async () => {
    const w = await openWatch({ resourceVersion: fx.server.resourceVersion, allowWatchBookmarks: true });
    const created = await create('w-bookmark');
    await waitFor('a bookmark after the event', () =>
      w.events.some((e) => e.type === 'BOOKMARK' && Number(rvOf(e.object)) >= Number(rvOf(created))));
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    assert.equal(bookmark?.object['kind'], 'ZfsVolume');
    w.stop();
    const quiet = await openWatch({ resourceVersion: fx.server.resourceVersion });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(quiet.events.length, 0, 'no bookmarks unless allowWatchBookmarks');
    quiet.stop();
  });

  it('answers an expired resourceVersion with an ERROR 410 Expired event and ends the stream', async () => {
    const old = fx.server.resourceVersion;
    await create('w-expire');
    fx.server.compactHistory();
    const w = await openWatch({ resourceVersion: old });
    await w.ended;
    assert.equal(w.events.length, 1);
    const [event] = w.events;
    assert.equal(event?.type, 'ERROR');
    assert.equal(event?.object['kind'], 'Status');
    assert.equal(event?.object['code'], 410);
    assert.equal(event?.object['reason'], 'Expired');
  });

  it('drops history beyond historyLimit, so an old resourceVersion expires on its own', async () => {
    const small = await startFixture({ historyLimit: 3 });
    try {
      const start = small.server.resourceVersion;
      for (const n of ['h1', 'h2', 'h3', 'h4']) await small.api.createClusterCustomObject({ ...VOLUMES, body: volume(n) });
      const events: string[] = [];
      await new Promise<void>((resolve) => {
        void new Watch(small.kc).watch(VOLUMES_PATH, { resourceVersion: start },
          (type: string, obj: unknown) => events.push(`${type} ${String(field(obj, 'code') ?? '')}`), () => resolve());
      });
      assert.deepEqual(events, ['ERROR 410']);
    } finally {
      await small.close();
    }
  });

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now();
    const w = await openWatch({ resourceVersion: fx.server.resourceVersion, timeoutSeconds: 1 });
    await w.ended;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 3000, `ended after ${elapsed} ms`);
  });

  it('reports objects entering and leaving a selector as ADDED and DELETED', async () => {
    await create('w-sel', { nodeName: 'node-1' }, { pool: 'a' });
    const w = await openWatch({ resourceVersion: fx.server.resourceVersion, labelSelector: 'pool=b', fieldSelector: 'spec.nodeName=node-1' });
    const target = { ...VOLUMES, name: 'w-sel' };
    await mergePatchClusterObject(fx.api, target, { metadata: { labels: { pool: 'b' } } });
    await mergePatchClusterObject(fx.api, target, { spec: { size: 5 } });
    await mergePatchClusterObject(fx.api, target, { spec: { nodeName: 'node-2' } });
    await mergePatchClusterObject(fx.api, target, { spec: { size: 6 } });
    await waitFor('three events', () => w.events.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(summary(w.events), ['ADDED w-sel', 'MODIFIED w-sel', 'DELETED w-sel']);
    w.stop();
  });

  it('shows a finalizer deletion as MODIFIED (deletionTimestamp) then DELETED', async () => {
    const body = { ...volume('w-fin'), metadata: { name: 'w-fin', finalizers: ['zfs.csi.dev/agent'] } };
    await fx.api.createClusterCustomObject({ ...VOLUMES, body });
    const w = await openWatch({ resourceVersion: fx.server.resourceVersion, fieldSelector: 'metadata.name=w-fin' });
    await fx.api.deleteClusterCustomObject({ ...VOLUMES, name: 'w-fin' });
    await mergePatchClusterObject(fx.api, { ...VOLUMES, name: 'w-fin' }, { metadata: { finalizers: [] } });
    await waitFor('two events', () => w.events.length >= 2);
    assert.deepEqual(summary(w.events), ['MODIFIED w-fin', 'DELETED w-fin']);
    assert.ok(field(w.events[0]?.object, 'metadata.deletionTimestamp'));
    w.stop();
  });
});

describe('informer', () => {
  it('receives add, update and delete, and recovers from closed streams and 410 by relisting', async () => {
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> =>
      (await fx.api.listClusterCustomObject({ ...VOLUMES, labelSelector: 'inf=yes' })) as KubernetesListObject<KubernetesObject>;
    const informer = makeInformer(fx.kc, VOLUMES_PATH, listFn, 'inf=yes');
    const seen: string[] = [];
    const record = (verb: string) => (obj: KubernetesObject) => seen.push(`${verb} ${obj.metadata?.name ?? ''}`);
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const errors: unknown[] = [];
    informer.on('error', (err: unknown) => errors.push(err));
    await create('inf-1', {}, { inf: 'yes' });
    await informer.start();
    try {
      await waitFor('initial add', () => seen.includes('add inf-1'));
      await mergePatchClusterObject(fx.api, { ...VOLUMES, name: 'inf-1' }, { spec: { size: 3 } });
      await create('inf-2', {}, { inf: 'yes' });
      await fx.api.deleteClusterCustomObject({ ...VOLUMES, name: 'inf-1' });
      await waitFor('update, add, delete', () => seen.includes('delete inf-1'));
      assert.deepEqual(seen, ['add inf-1', 'update inf-1', 'add inf-2', 'delete inf-1']);

      // A dropped stream: the informer re-watches from its last resourceVersion and misses nothing.
      const watchesBefore = fx.server.requests.count({ path: VOLUMES_PATH, watch: true });
      fx.server.closeWatches();
      await waitFor('a new watch', () => fx.server.requests.count({ path: VOLUMES_PATH, watch: true }) > watchesBefore);
      await create('inf-3', {}, { inf: 'yes' });
      await waitFor('add after reconnect', () => seen.includes('add inf-3'));

      // Dropped stream plus compacted history: the re-watch gets 410, the informer relists and catches up.
      const listsBefore = fx.server.requests.count({ path: VOLUMES_PATH, watch: false });
      fx.server.closeWatches();
      fx.server.seed('zfsvolumes', volume('inf-4', {}, { inf: 'yes' }));
      fx.server.compactHistory();
      await waitFor('add after relist', () => seen.includes('add inf-4'));
      assert.ok(fx.server.requests.count({ path: VOLUMES_PATH, watch: false }) > listsBefore, 'relisted');
      assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['inf-2', 'inf-3', 'inf-4']);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});

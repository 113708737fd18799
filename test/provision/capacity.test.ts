import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapacityCache } from '../../src/provision/capacity.js';
import type { DatasetInfo, Zfs } from '../../src/zfs/zfs.js';

/** A Zfs whose `get` answers a fixed listing and counts its calls; nothing else is used by the cache. */
function fakeZfs(infos: DatasetInfo[]): { zfs: Zfs; calls: () => number } {
  let calls = 0;
  const zfs = {
    get: async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 10));
      return infos;
    },
  } as unknown as Zfs;
  return { zfs, calls: () => calls };
}

const info = (name: string, props: Record<string, string>): DatasetInfo => ({ name, props: new Map(Object.entries(props)) });

const LISTING = [
  info('tank/csi', { type: 'filesystem', available: '1000', used: '300' }),
  info('tank/csi/vol-a', { type: 'filesystem', used: '100' }),
  info('tank/csi/vol-b', { type: 'filesystem', used: '200', 'zfs.csi.dev:retired': '2026-11-27T00:00:00Z' }),
];

test('available comes from the parent, retired bytes from retired children only', async () => {
  const { zfs } = fakeZfs(LISTING);
  const [report] = await new CapacityCache(zfs, 'n1', ['tank/csi']).get();
  assert.deepEqual(report, { node: 'n1', parent: 'tank/csi', availableBytes: 1000n, retiredBytes: 200n });
});

test('concurrent callers share one zfs get; the answer is cached for the TTL', async () => {
  const { zfs, calls } = fakeZfs(LISTING);
  const cache = new CapacityCache(zfs, 'n1', ['tank/csi'], 50);
  const answers = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
  assert.equal(calls(), 1);
  assert.ok(answers.every((a) => a[0]?.availableBytes === 1000n));
  await cache.get();
  assert.equal(calls(), 1);
  await new Promise((r) => setTimeout(r, 60));
  await cache.get();
  assert.equal(calls(), 2);
});

test('a caller whose signal aborts gets its abort; the shared read still serves the others', async () => {
  const { zfs, calls } = fakeZfs(LISTING);
  const cache = new CapacityCache(zfs, 'n1', ['tank/csi']);
  const controller = new AbortController();
  const aborted = cache.get(controller.signal);
  const other = cache.get();
  controller.abort(new Error('deadline'));
  await assert.rejects(aborted, /deadline/);
  assert.equal((await other)[0]?.availableBytes, 1000n);
  assert.equal(calls(), 1);
});

test('past half the TTL the cached answer comes at once and one read refreshes it beside the call', async () => {
  let available = '1000';
  let calls = 0;
  const zfs = {
    get: async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return [info('tank/csi', { type: 'filesystem', available, used: '0' })];
    },
  } as unknown as Zfs;
  const cache = new CapacityCache(zfs, 'n1', ['tank/csi'], 200);
  await cache.get();
  available = '500';
  await new Promise((r) => setTimeout(r, 120));
  const started = performance.now();
  const stale = await Promise.all([cache.get(), cache.get()]);
  assert.ok(performance.now() - started < 15, 'the callers did not wait for the refresh');
  assert.ok(stale.every((a) => a[0]?.availableBytes === 1000n));
  assert.equal(calls, 2, 'one refresh for both callers');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal((await cache.get())[0]?.availableBytes, 500n);
  assert.equal(calls, 2);
});

test('an answer older than the TTL is never given: the caller waits for a fresh read', async () => {
  let available = '1000';
  const zfs = {
    get: async () => [info('tank/csi', { type: 'filesystem', available, used: '0' })],
  } as unknown as Zfs;
  const cache = new CapacityCache(zfs, 'n1', ['tank/csi'], 50);
  await cache.get();
  available = '10';
  await new Promise((r) => setTimeout(r, 60));
  assert.equal((await cache.get())[0]?.availableBytes, 10n);
});

test('a read that began before invalidate() does not put what it saw back in the cache', async () => {
  let available = '1000';
  let release: () => void = () => undefined;
  const zfs = {
    get: async () => {
      const seen = available;
      await new Promise<void>((r) => { release = r; });
      return [info('tank/csi', { type: 'filesystem', available: seen, used: '0' })];
    },
  } as unknown as Zfs;
  const cache = new CapacityCache(zfs, 'n1', ['tank/csi']);
  const before = cache.get();
  await new Promise((r) => setImmediate(r));
  available = '10';
  cache.invalidate();
  const firstRelease = release;
  const after = cache.get();
  await new Promise((r) => setImmediate(r));
  firstRelease();
  release();
  assert.equal((await before)[0]?.availableBytes, 1000n);
  assert.equal((await after)[0]?.availableBytes, 10n);
  assert.equal((await cache.get())[0]?.availableBytes, 10n);
});

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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { P } from '../../src/provision/props.js';
import { writeRecords } from '../../src/transfer/records.js';
import type { Offer } from '../../src/transfer/wire.js';
import type { DatasetInfo, Zfs, ZfsCapabilities, ZfsProps } from '../../src/zfs/zfs.js';

const OFFER: Offer = {
  type: 'offer', version: 1, transfer: 'xfer-aaaaaaaaaaaaaaaaaaaa', source: 'node-a',
  volume: { id: 'vol-1', name: 'pvc-1', params: { properties: {}, quotaType: 'refquota', thin: true } },
  snapshot: { id: 'snap-1', name: 's1', guid: '42', sizeBytes: 1n, createdMs: 1 },
};

/** Records every set as "start"/"end" events; sets held until release(); `failing` names one that fails. */
class SetOnlyZfs implements Zfs {
  readonly events: string[] = [];
  readonly #held: Array<() => void> = [];
  constructor(private readonly failing?: string) {}
  async set(name: string, props: ZfsProps): Promise<void> {
    const what = `${name} ${Object.keys(props).sort().join(',')}`;
    this.events.push(`start ${what}`);
    await new Promise<void>((resolve) => this.#held.push(resolve));
    this.events.push(`end ${what}`);
    if (this.failing !== undefined && what.includes(this.failing)) throw new Error(`cannot set ${what}`);
  }
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
  async capabilities(): Promise<ZfsCapabilities> { return { implementation: 'zfs-fuse', version: 'pool-23', properties: new Set(), multiSet: false }; }
  create(): Promise<void> { return Promise.reject(new Error('create')); }
  clone(): Promise<void> { return Promise.reject(new Error('clone')); }
  snapshot(): Promise<void> { return Promise.reject(new Error('snapshot')); }
  destroy(): Promise<void> { return Promise.reject(new Error('destroy')); }
  mount(): Promise<void> { return Promise.reject(new Error('mount')); }
  unmount(): Promise<void> { return Promise.reject(new Error('unmount')); }
  get(): Promise<DatasetInfo[]> { return Promise.reject(new Error('get')); }
  poolHealth(): Promise<string | undefined> { return Promise.reject(new Error('poolHealth')); }
}

/** Runs writeRecords, releasing the held sets until it settles. */
async function run(zfs: SetOnlyZfs, target: { datasetRecorded: boolean; snapshotRecorded: boolean }): Promise<unknown> {
  let outcome: { error?: unknown } | undefined;
  void writeRecords(zfs, { dataset: 'tank/b/vol-1', ...target }, OFFER, 'node-b', AbortSignal.timeout(5_000))
    .then(() => (outcome = {}), (error: unknown) => (outcome = { error }));
  while (outcome === undefined) {
    await new Promise((r) => setImmediate(r));
    zfs.release();
  }
  return outcome.error;
}

const starts = (zfs: SetOnlyZfs): string[] => zfs.events.filter((e) => e.startsWith('start '));

test('the dataset and snapshot records are written together; the managed marks after both, dataset first', async () => {
  const zfs = new SetOnlyZfs();
  assert.equal(await run(zfs, { datasetRecorded: false, snapshotRecorded: false }), undefined);
  const managed = `${P.managed}`;
  assert.ok(zfs.events[0]?.startsWith('start tank/b/vol-1 canmount,'), 'canmount=off goes with the copy\'s record');
  assert.ok(zfs.events[1]?.startsWith('start tank/b/vol-1@snap-1 '), 'the snapshot\'s record starts before the copy\'s ends');
  assert.deepEqual(zfs.events.slice(-4), [
    `start tank/b/vol-1 ${managed}`, `end tank/b/vol-1 ${managed}`, `start tank/b/vol-1@snap-1 ${managed}`, `end tank/b/vol-1@snap-1 ${managed}`,
  ]);
  assert.equal(starts(zfs).length, 4);
});

test('a failed record writes no managed mark, and waits for the other record to end', async () => {
  const zfs = new SetOnlyZfs(P.snapshotId);
  const error = await run(zfs, { datasetRecorded: false, snapshotRecorded: false });
  assert.match(String(error), /cannot set/);
  assert.ok(!zfs.events.some((e) => e.includes(P.managed)), 'nothing marked managed');
  assert.equal(zfs.events.filter((e) => e.startsWith('end ')).length, 2);
});

test('a copy already recorded gets only its snapshot\'s record (a retried or incremental transfer)', async () => {
  const zfs = new SetOnlyZfs();
  await run(zfs, { datasetRecorded: true, snapshotRecorded: false });
  assert.deepEqual(starts(zfs).map((e) => e.split(' ')[1]), ['tank/b/vol-1@snap-1', 'tank/b/vol-1@snap-1']);
  assert.ok(starts(zfs)[1]?.endsWith(P.managed));
});

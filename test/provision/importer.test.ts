/**
 * The importer's ZFS steps over a hand-written fake (docs/import.md "Crash safety"): the managed mark is the
 * last write, a failure at any step leaves the dataset unmanaged, and a retry finishes with the same ID;
 * pool or parent away is UNAVAILABLE and a missing dataset NOT_FOUND, with nothing written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeRecord } from '../../src/domain/types.js';
import { Importer } from '../../src/provision/importer.js';
import { P } from '../../src/provision/props.js';
import { ZfsError } from '../../src/zfs/errors.js';
import type { DatasetInfo, Zfs, ZfsProps } from '../../src/zfs/zfs.js';

const PARENT = 'tank/csi';
const DS = `${PARENT}/data`;

/** One dataset under one parent; `failOn` makes the set of that property fail once (a crash there). */
class FakeZfs {
  readonly writes: string[] = [];
  props = new Map<string, string>([
    ['type', 'filesystem'], ['mountpoint', '/srv/data'], ['canmount', 'on'], ['mounted', 'yes'], ['refquota', '0'], ['referenced', '4096'],
  ]);
  failOn: string | undefined;
  pool: string | undefined = 'ONLINE';
  exists = true;

  readonly zfs = {
    poolHealth: async () => this.pool,
    get: async (names: readonly string[]): Promise<DatasetInfo[]> => {
      const name = names[0] ?? '';
      if (name === PARENT) return [{ name, props: new Map([['type', 'filesystem']]) }];
      if (name !== DS || !this.exists) throw new ZfsError('not_found', `cannot open '${name}': dataset does not exist`);
      return [{ name: DS, props: new Map(this.props) }];
    },
    set: async (_name: string, props: ZfsProps) => {
      for (const [key, value] of Object.entries(props)) {
        if (key === this.failOn) {
          this.failOn = undefined;
          throw new ZfsError('busy', `cannot set ${key}: dataset is busy`);
        }
        this.writes.push(key);
        this.props.set(key, value);
      }
    },
    mount: async () => {
      this.writes.push('mount');
      this.props.set('mounted', 'yes');
    },
  } as unknown as Zfs;
}

function importerOver(fake: FakeZfs, ids: string[] = ['vol-aaaaaaaaaaaaaaaaaaaa', 'vol-cccccccccccccccccccc']): Importer {
  const known = new Map<string, VolumeRecord>();
  return new Importer({
    zfs: fake.zfs, mountTable: async () => [], mountRoot: '/m', node: 'n1', parents: [PARENT],
    newId: () => ids.shift() ?? 'vol-zzzzzzzzzzzzzzzzzzzz',
    byName: () => undefined, byId: (id) => known.get(id),
  });
}

const signal = new AbortController().signal;
const request = { dataset: DS, sizeBytes: 1n << 20n };

test('size first (ZFS may refuse it), then the record and mount place, the managed mark last and alone; the record reads back', async () => {
  const fake = new FakeZfs();
  const record = await importerOver(fake).importDataset(request, signal);
  assert.equal(fake.writes.at(-1), P.managed);
  assert.equal(fake.writes.indexOf(P.managed), fake.writes.length - 1, 'written once');
  assert.equal(fake.writes[0], 'refquota');
  assert.ok(fake.writes.indexOf(P.volumeId) < fake.writes.indexOf('mountpoint'));
  assert.deepEqual(
    { id: record.id, dataset: record.dataset, parent: record.parent, capacity: record.capacityBytes, mountpoint: record.mountpoint, name: record.name },
    { id: 'vol-aaaaaaaaaaaaaaaaaaaa', dataset: DS, parent: PARENT, capacity: 1n << 20n, mountpoint: '/m/vol-aaaaaaaaaaaaaaaaaaaa', name: DS },
  );
});

test('a refquota ZFS refuses (the data does not fit) writes nothing else', async () => {
  const fake = new FakeZfs();
  fake.failOn = 'refquota';
  await assert.rejects(importerOver(fake).importDataset(request, signal), /dataset is busy/);
  assert.deepEqual(fake.writes, []);
});

// The record's ID is written before its other fields, so a failure there already pins the ID.
for (const step of [P.csiName, 'mountpoint', P.managed]) {
  test(`a failure at ${step} leaves the dataset unmanaged; the retry finishes with the same ID`, async () => {
    const fake = new FakeZfs();
    fake.failOn = step;
    const importer = importerOver(fake);
    await assert.rejects(importer.importDataset(request, signal), /dataset is busy/);
    assert.notEqual(fake.props.get(P.managed), 'true');
    const record = await importer.importDataset(request, signal);
    assert.equal(record.id, 'vol-aaaaaaaaaaaaaaaaaaaa', 'the ID recorded by the first attempt, not a fresh one');
    assert.equal(fake.props.get(P.managed), 'true');
    assert.equal(fake.props.get('mountpoint'), '/m/vol-aaaaaaaaaaaaaaaaaaaa');
  });
}

test('a dataset kept from mounting is mounted once its mountpoint is the driver\'s', async () => {
  const fake = new FakeZfs();
  fake.props.set('canmount', 'noauto');
  fake.props.set('mounted', 'no');
  await importerOver(fake).importDataset(request, signal);
  assert.deepEqual(fake.writes.slice(-3), ['canmount', 'mount', P.managed]);
});

test('pool not imported: UNAVAILABLE; dataset missing with the pool there: NOT_FOUND; nothing written', async () => {
  const away = new FakeZfs();
  away.pool = undefined;
  await assert.rejects(importerOver(away).importDataset(request, signal), (err: unknown) => err instanceof Error && 'code' in err && err.code === 'UNAVAILABLE' && /not imported.*nothing was changed/.test(err.message));
  assert.deepEqual(away.writes, []);
  const gone = new FakeZfs();
  gone.exists = false;
  await assert.rejects(importerOver(gone).importDataset(request, signal), (err: unknown) => err instanceof Error && 'code' in err && err.code === 'NOT_FOUND');
  assert.deepEqual(gone.writes, []);
});

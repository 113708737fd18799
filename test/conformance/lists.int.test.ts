/**
 * ListVolumes / ListSnapshots as csi-sanity pages them (DESIGN.md §5): max_entries honoured, next_token walked
 * until empty with every entry seen exactly once, stable while objects come and go between pages, invalid
 * tokens ABORTED, filters that match nothing an empty list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import {
  assertDistinct, assertPoolEmpty, createSnapshot, createVolume, listAllSnapshotIds, listAllVolumeIds, rejectsWith,
  unique,
} from './support.js';

const COUNT = 6;

let d: Driver;
const volumeIds: string[] = [];
const snapshotIds: string[] = [];

before(async () => {
  d = await startDriver();
  for (let i = 0; i < COUNT; i++) {
    const v = await createVolume(d, unique(`list-${i}`));
    volumeIds.push(v.volume_id);
    snapshotIds.push((await createSnapshot(d, unique(`list-snap-${i}`), v.volume_id)).snapshot_id);
  }
});
after(async () => {
  await d.cleanup();
});

const sorted = (ids: readonly string[]): string[] => [...ids].sort();

describe('ListVolumes', () => {
  it('without max_entries: every volume, no token', async () => {
    const r = await d.client.controller.ListVolumes({});
    assert.equal(r.next_token, '');
    assert.deepEqual(sorted(r.entries.map((e) => e.volume?.volume_id ?? '')), sorted(volumeIds));
    for (const e of r.entries) {
      assert.equal(e.volume?.capacity_bytes, String(1n << 30n));
      assert.deepEqual(e.volume?.accessible_topology, [{ segments: { 'zfs.csi.dev/node': d.nodeId } }]);
    }
  });

  for (const max of [1, 2, 5, COUNT, COUNT + 1]) {
    it(`max_entries=${max}: walking next_token sees every volume exactly once`, async () => {
      const ids = await listAllVolumeIds(d, max);
      assertDistinct(ids, 'ListVolumes pages');
      assert.deepEqual(sorted(ids), sorted(volumeIds));
    });
  }

  it('max_entries=2 then the rest with the token and no limit (csi-sanity)', async () => {
    const first = await d.client.controller.ListVolumes({ max_entries: 2 });
    assert.equal(first.entries.length, 2);
    assert.notEqual(first.next_token, '');
    const rest = await d.client.controller.ListVolumes({ starting_token: first.next_token });
    assert.equal(rest.entries.length, COUNT - 2);
    assert.equal(rest.next_token, '');
    const ids = [...first.entries, ...rest.entries].map((e) => e.volume?.volume_id ?? '');
    assertDistinct(ids, 'ListVolumes pages');
  });

  it('volumes created and deleted between pages: no duplicates, nothing listed that was deleted', async () => {
    const first = await d.client.controller.ListVolumes({ max_entries: 2 });
    const seen = first.entries.map((e) => e.volume?.volume_id ?? '');
    // csi-sanity's pagination scenario: delete what the first page showed, add a new volume, go on.
    const added = (await createVolume(d, unique('added-between-pages'))).volume_id;
    const doomed = seen[seen.length - 1] ?? '';
    await d.client.controller.DeleteVolume({ volume_id: doomed });
    const rest: string[] = [];
    let token = first.next_token;
    while (token !== '') {
      const page = await d.client.controller.ListVolumes({ max_entries: 2, starting_token: token });
      rest.push(...page.entries.map((e) => e.volume?.volume_id ?? ''));
      token = page.next_token;
    }
    assertDistinct([...seen, ...rest], 'pages across changes');
    assert.ok(!rest.includes(doomed), 'a deleted volume is not listed later');
    const alive = new Set([...volumeIds, added]);
    for (const id of rest) assert.ok(alive.has(id), `${id} is a volume that exists`);
    const untouched = volumeIds.filter((id) => !seen.includes(id));
    for (const id of untouched) assert.ok(rest.includes(id), `${id} existed throughout and must be listed`);
    // Put the fixture back: the deleted one had a snapshot, so it is retired, not destroyed.
    volumeIds.splice(volumeIds.indexOf(doomed), 1);
    volumeIds.push(added);
  });

  for (const token of ['invalid-token', 'v1:nope', Buffer.from('v1:vol-zzzz').toString('base64url'), '%%%']) {
    it(`starting_token ${JSON.stringify(token)} → ABORTED`, async () => {
      await rejectsWith(d.client.controller.ListVolumes({ starting_token: token }), 'ABORTED', 'ListVolumes');
    });
  }
});

describe('ListSnapshots', () => {
  it('without max_entries: every snapshot with its source and creation time', async () => {
    const r = await d.client.controller.ListSnapshots({});
    assert.equal(r.next_token, '');
    assert.deepEqual(sorted(r.entries.map((e) => e.snapshot?.snapshot_id ?? '')), sorted(snapshotIds));
    for (const e of r.entries) {
      assert.notEqual(e.snapshot?.source_volume_id, '');
      assert.ok(Number(e.snapshot?.creation_time?.seconds) > 0);
      assert.equal(e.snapshot?.ready_to_use, true);
    }
  });

  for (const max of [1, 2, 4, COUNT]) {
    it(`max_entries=${max}: walking next_token sees every snapshot exactly once`, async () => {
      const ids = await listAllSnapshotIds(d, max);
      assertDistinct(ids, 'ListSnapshots pages');
      assert.deepEqual(sorted(ids), sorted(snapshotIds));
    });
  }

  it('max_entries=2 then the rest with the token and no limit (csi-sanity)', async () => {
    const first = await d.client.controller.ListSnapshots({ max_entries: 2 });
    assert.equal(first.entries.length, 2);
    const rest = await d.client.controller.ListSnapshots({ starting_token: first.next_token });
    assert.equal(rest.entries.length, COUNT - 2);
    assertDistinct([...first.entries, ...rest.entries].map((e) => e.snapshot?.snapshot_id ?? ''), 'pages');
  });

  it('snapshots created and deleted between pages: no duplicates, the deleted one not listed', async () => {
    const first = await d.client.controller.ListSnapshots({ max_entries: 3 });
    const seen = first.entries.map((e) => e.snapshot?.snapshot_id ?? '');
    const added = (await createSnapshot(d, unique('added-snap'), volumeIds[0] ?? '')).snapshot_id;
    const doomed = snapshotIds.find((id) => !seen.includes(id)) ?? '';
    await d.client.controller.DeleteSnapshot({ snapshot_id: doomed });
    const rest = await d.client.controller.ListSnapshots({ starting_token: first.next_token });
    const restIds = rest.entries.map((e) => e.snapshot?.snapshot_id ?? '');
    assertDistinct([...seen, ...restIds], 'pages across changes');
    assert.ok(!restIds.includes(doomed));
    snapshotIds.splice(snapshotIds.indexOf(doomed), 1);
    snapshotIds.push(added);
    for (const id of snapshotIds.filter((s) => !seen.includes(s) && s !== added)) assert.ok(restIds.includes(id));
  });

  it('filtered by snapshot_id: exactly that snapshot', async () => {
    const target = snapshotIds[2] ?? '';
    const r = await d.client.controller.ListSnapshots({ snapshot_id: target });
    assert.deepEqual(r.entries.map((e) => e.snapshot?.snapshot_id), [target]);
  });

  it('filtered by source_volume_id: exactly that volume\'s snapshots', async () => {
    const one = snapshotIds[2] ?? '';
    const source = (await d.client.controller.GetSnapshot({ snapshot_id: one })).snapshot?.source_volume_id ?? '';
    const all = (await d.client.controller.ListSnapshots({})).entries;
    const expected = all.filter((e) => e.snapshot?.source_volume_id === source).map((e) => e.snapshot?.snapshot_id);
    assert.ok(expected.includes(one) && expected.length < all.length, 'the filter has something to select and to drop');
    const r = await d.client.controller.ListSnapshots({ source_volume_id: source });
    assert.deepEqual(r.entries.map((e) => e.snapshot?.snapshot_id), expected);
  });

  it('both filters that disagree, and unknown ids → an empty list, not an error', async () => {
    const mismatch = await d.client.controller.ListSnapshots({
      snapshot_id: snapshotIds[0] ?? '', source_volume_id: volumeIds[3] ?? '',
    });
    assert.deepEqual(mismatch.entries, []);
    for (const req of [
      { snapshot_id: 'none-exist-id' }, { snapshot_id: 'snap-aaaaaaaaaaaaaaaaaaaa' },
      { source_volume_id: 'vol-aaaaaaaaaaaaaaaaaaaa' }, { source_volume_id: 'fake-vol-id' },
    ]) {
      const r = await d.client.controller.ListSnapshots(req);
      assert.deepEqual(r.entries, [], JSON.stringify(req));
      assert.equal(r.next_token, '');
    }
  });

  it('starting_token that is not ours → ABORTED', async () => {
    await rejectsWith(d.client.controller.ListSnapshots({ starting_token: 'invalid-token' }), 'ABORTED', 'ListSnapshots');
  });
});

describe('cleanup', () => {
  it('deleting every snapshot and volume leaves nothing', async () => {
    for (const id of await listAllSnapshotIds(d, 0)) await d.client.controller.DeleteSnapshot({ snapshot_id: id });
    for (const id of await listAllVolumeIds(d, 0)) await d.client.controller.DeleteVolume({ volume_id: id });
    await assertPoolEmpty(d, 'retired volumes go with their last snapshot (DESIGN.md §3.1)');
  });
});

/**
 * Snapshots, restores and clones with real data (csi-sanity "should create volume from an existing source
 * snapshot / volume"; DESIGN.md §3, §3.1): a restore holds what was written before the snapshot, a smaller
 * restore is OUT_OF_RANGE, a larger one is honoured, and every deletion order leaves nothing on the pool.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import {
  EXPAND_BYTES, GiB, VOLUME_BYTES, assertPoolEmpty, createSnapshot, createVolume, datasetOf, mountCap, rejectsWith,
  targetParent, unique, volumeRequest,
} from './support.js';

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

/** Publishes, runs fn on the target, unpublishes. */
async function withTarget<T>(volumeId: string, fn: (target: string) => Promise<T>): Promise<T> {
  const target = join(await targetParent(d), 'target');
  await d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: mountCap() });
  try {
    return await fn(target);
  } finally {
    await d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });
  }
}

/** Writes and fsyncs, so a snapshot taken afterwards holds the data. */
async function writeSynced(path: string, content: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const fromSnapshot = (snapshotId: string) => ({ volume_content_source: { snapshot: { snapshot_id: snapshotId } } });
const fromVolume = (volumeId: string) => ({ volume_content_source: { volume: { volume_id: volumeId } } });

describe('snapshot → restore', () => {
  let sourceId = '';
  let snapshotId = '';
  const restored: string[] = [];

  it('the file written before the snapshot is in the restored volume; the one written after is not', async () => {
    sourceId = (await createVolume(d, unique('source'))).volume_id;
    await withTarget(sourceId, async (t) => {
      await writeSynced(join(t, 'before.txt'), 'before the snapshot');
      snapshotId = (await createSnapshot(d, unique('snap'), sourceId)).snapshot_id;
      await writeSynced(join(t, 'after.txt'), 'after the snapshot');
    });
    const snap = await d.client.controller.GetSnapshot({ snapshot_id: snapshotId });
    assert.equal(snap.snapshot?.size_bytes, VOLUME_BYTES.toString());
    const volume = await createVolume(d, unique('restore'), VOLUME_BYTES, fromSnapshot(snapshotId));
    restored.push(volume.volume_id);
    assert.equal(volume.content_source?.snapshot?.snapshot_id, snapshotId);
    await withTarget(volume.volume_id, async (t) => {
      assert.equal(await readFile(join(t, 'before.txt'), 'utf8'), 'before the snapshot');
      assert.equal(existsSync(join(t, 'after.txt')), false);
    });
  });

  it('a restore smaller than the snapshot → OUT_OF_RANGE, nothing made', async () => {
    const tree = await zfsTree(d.parent);
    await rejectsWith(
      d.client.controller.CreateVolume(volumeRequest(unique('small'), VOLUME_BYTES / 2n, fromSnapshot(snapshotId))),
      'OUT_OF_RANGE', 'restore to 512 MiB',
    );
    assert.deepEqual(await zfsTree(d.parent), tree);
  });

  it('a larger restore is honoured: refquota = requested, the data is there', async () => {
    const volume = await createVolume(d, unique('large'), EXPAND_BYTES, fromSnapshot(snapshotId));
    restored.push(volume.volume_id);
    assert.equal(volume.capacity_bytes, EXPAND_BYTES.toString());
    assert.equal(await zfsProp(datasetOf(d, volume.volume_id), 'refquota'), EXPAND_BYTES.toString());
    await withTarget(volume.volume_id, async (t) => {
      assert.equal(await readFile(join(t, 'before.txt'), 'utf8'), 'before the snapshot');
    });
  });

  it('a restore without a size gets the snapshot\'s size', async () => {
    const { volume } = await d.client.controller.CreateVolume({
      name: unique('unsized'), volume_capabilities: [mountCap()], ...fromSnapshot(snapshotId),
    });
    assert.equal(volume?.capacity_bytes, VOLUME_BYTES.toString());
    restored.push(volume?.volume_id ?? '');
  });

  it('the source deleted first (snapshot and clones alive): OK, hidden, the snapshot still restores', async () => {
    await d.client.controller.DeleteVolume({ volume_id: sourceId });
    const listed = (await d.client.controller.ListVolumes({})).entries.map((e) => e.volume?.volume_id);
    assert.ok(!listed.includes(sourceId));
    await rejectsWith(d.client.controller.ControllerGetVolume({ volume_id: sourceId }), 'NOT_FOUND', 'retired');
    const late = await createVolume(d, unique('late'), VOLUME_BYTES, fromSnapshot(snapshotId));
    restored.push(late.volume_id);
    await withTarget(late.volume_id, async (t) => {
      assert.equal(await readFile(join(t, 'before.txt'), 'utf8'), 'before the snapshot');
    });
  });

  it('then the snapshot, then the restores: nothing left', async () => {
    await d.client.controller.DeleteSnapshot({ snapshot_id: snapshotId });
    assert.deepEqual((await d.client.controller.ListSnapshots({})).entries, []);
    for (const id of restored) await d.client.controller.DeleteVolume({ volume_id: id });
    await assertPoolEmpty(d);
  });
});

describe('volume → clone', () => {
  it('the clone holds the source\'s data, its helper snapshot is never listed, csi-sanity cleanup order leaves nothing', async () => {
    const sourceId = (await createVolume(d, unique('clone-source'))).volume_id;
    await withTarget(sourceId, (t) => writeSynced(join(t, 'data.txt'), 'cloned'));
    const clone = await createVolume(d, unique('clone'), VOLUME_BYTES, fromVolume(sourceId));
    assert.equal(clone.content_source?.volume?.volume_id, sourceId);
    await withTarget(clone.volume_id, async (t) => {
      assert.equal(await readFile(join(t, 'data.txt'), 'utf8'), 'cloned');
    });
    assert.deepEqual((await d.client.controller.ListSnapshots({})).entries, []);
    await rejectsWith(
      d.client.controller.CreateVolume(volumeRequest(unique('clone-small'), GiB / 4n, fromVolume(sourceId))),
      'OUT_OF_RANGE', 'a clone smaller than its source',
    );
    // csi-sanity's Cleanup deletes in reverse creation order: the clone, then the source.
    await d.client.controller.DeleteVolume({ volume_id: clone.volume_id });
    await d.client.controller.DeleteVolume({ volume_id: sourceId });
    await assertPoolEmpty(d);
  });

  it('source deleted before its clone: both go, nothing left', async () => {
    const sourceId = (await createVolume(d, unique('clone-source-2'))).volume_id;
    const clone = await createVolume(d, unique('clone-2'), VOLUME_BYTES, fromVolume(sourceId));
    await d.client.controller.DeleteVolume({ volume_id: sourceId });
    assert.deepEqual(
      (await d.client.controller.ListVolumes({})).entries.map((e) => e.volume?.volume_id), [clone.volume_id],
    );
    await d.client.controller.DeleteVolume({ volume_id: clone.volume_id });
    await assertPoolEmpty(d);
  });
});

describe('csi-sanity "should create volume from an existing source snapshot", its cleanup order', () => {
  it('volume, snapshot, restore; deleted restore → snapshot → volume: nothing left', async () => {
    const vol = (await createVolume(d, unique('sanity-source-vol'))).volume_id;
    const snap = (await createSnapshot(d, unique('sanity-snap-from-vol'), vol)).snapshot_id;
    const restore = (await createVolume(d, unique('sanity-vol-from-snap'), VOLUME_BYTES, fromSnapshot(snap))).volume_id;
    await d.client.controller.DeleteVolume({ volume_id: restore });
    await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
    await d.client.controller.DeleteVolume({ volume_id: vol });
    await assertPoolEmpty(d);
  });

  it('snapshot deleted while its restore lives (deferred destroy): gone from the lists at once', async () => {
    const vol = (await createVolume(d, unique('defer-vol'))).volume_id;
    const snap = (await createSnapshot(d, unique('defer-snap'), vol)).snapshot_id;
    const restore = (await createVolume(d, unique('defer-restore'), VOLUME_BYTES, fromSnapshot(snap))).volume_id;
    await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
    assert.deepEqual((await d.client.controller.ListSnapshots({})).entries, []);
    await rejectsWith(d.client.controller.GetSnapshot({ snapshot_id: snap }), 'NOT_FOUND', 'deleted snapshot');
    await d.client.controller.DeleteVolume({ volume_id: vol });
    await d.client.controller.DeleteVolume({ volume_id: restore });
    await assertPoolEmpty(d);
  });
});

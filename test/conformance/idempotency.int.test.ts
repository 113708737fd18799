/**
 * Idempotency (DESIGN.md §5; csi-sanity "should be idempotent" with IdempotentCount = 10): every lifecycle
 * step repeated gives the same answer and leaves exactly one object per name on the pool.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';
import {
  assertPoolEmpty, datasetOf, mountCap, mountsBelow, targetParent, unique, volumeRequest, WRITER_CAPS,
} from './support.js';

const REPEAT = 10;

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

describe('volume lifecycle repeated 10 times at every step', () => {
  const name = unique('idempotent');
  const snapName = unique('idempotent-snap');
  let volumeId = '';
  let snapshotId = '';
  let target = '';

  it('CreateVolume: same name and arguments → the same volume, the same response, one dataset', async () => {
    const info = await d.client.node.NodeGetInfo({});
    const req = volumeRequest(name, undefined, {
      accessibility_requirements: info.accessible_topology ? { requisite: [info.accessible_topology] } : null,
    });
    const first = await d.client.controller.CreateVolume(req);
    volumeId = first.volume?.volume_id ?? '';
    assert.notEqual(volumeId, '');
    for (let i = 1; i < REPEAT; i++) assert.deepEqual(await d.client.controller.CreateVolume(req), first);
    assert.deepEqual(await zfsTree(d.parent), [datasetOf(d, volumeId)]);
  });

  it('CreateSnapshot: the same snapshot id and creation_time every time, one snapshot', async () => {
    const first = await d.client.controller.CreateSnapshot({ name: snapName, source_volume_id: volumeId });
    snapshotId = first.snapshot?.snapshot_id ?? '';
    assert.notEqual(snapshotId, '');
    assert.ok(first.snapshot?.creation_time, 'creation_time is set');
    for (let i = 1; i < REPEAT; i++) {
      await new Promise((res) => setTimeout(res, 20)); // a re-made snapshot would get a later time
      const again = await d.client.controller.CreateSnapshot({ name: snapName, source_volume_id: volumeId });
      assert.deepEqual(again, first);
    }
    const dataset = datasetOf(d, volumeId);
    assert.deepEqual(await zfsTree(d.parent), [dataset, `${dataset}@${snapshotId}`]);
  });

  it('NodePublishVolume to the same target → OK each time, one bind mount', async () => {
    target = join(await targetParent(d), 'target');
    for (let i = 0; i < REPEAT; i++) {
      await d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: mountCap() });
    }
    assert.deepEqual(await mountsBelow(target), [target]);
    await writeFile(join(target, 'marker'), 'idempotent');
    const stats = await d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: target });
    assert.ok(stats.usage.length > 0);
  });

  it('NodeUnpublishVolume repeated → OK each time, the target is gone', async () => {
    for (let i = 0; i < REPEAT; i++) {
      await d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });
      assert.equal(existsSync(target), false);
    }
    assert.deepEqual(await mountsBelow(target), []);
  });

  it('DeleteSnapshot repeated → OK each time, the snapshot is gone', async () => {
    for (let i = 0; i < REPEAT; i++) await d.client.controller.DeleteSnapshot({ snapshot_id: snapshotId });
    assert.deepEqual(await zfsTree(d.parent), [datasetOf(d, volumeId)]);
    const { entries } = await d.client.controller.ListSnapshots({});
    assert.deepEqual(entries, []);
  });

  it('DeleteVolume repeated → OK each time, nothing left', async () => {
    for (let i = 0; i < REPEAT; i++) await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
    const { entries } = await d.client.controller.ListVolumes({});
    assert.deepEqual(entries, []);
  });

  it('a CreateVolume after the delete makes a new volume with a new id (a late delete cannot reach it)', async () => {
    const again = await d.client.controller.CreateVolume({ name, volume_capabilities: WRITER_CAPS });
    const id = again.volume?.volume_id ?? '';
    assert.notEqual(id, volumeId);
    await d.client.controller.DeleteVolume({ volume_id: volumeId }); // the late retry
    assert.deepEqual(await zfsTree(d.parent), [datasetOf(d, id)]);
    await d.client.controller.DeleteVolume({ volume_id: id });
    await assertPoolEmpty(d);
  });
});

describe('concurrent retries of one CreateVolume', () => {
  it('end with one dataset: the losers are ABORTED or see the same volume', async () => {
    const req = volumeRequest(unique('concurrent'));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => d.client.controller.CreateVolume(req)),
    );
    const ids = new Set<string>();
    for (const r of results) {
      if (r.status === 'fulfilled') ids.add(r.value.volume?.volume_id ?? '');
      else assert.match(String(r.reason), /ABORTED/, 'an in-flight duplicate is ABORTED (DESIGN.md §5)');
    }
    assert.equal(ids.size, 1, 'every success names the same volume');
    const final = await d.client.controller.CreateVolume(req);
    const [id] = [...ids];
    assert.equal(final.volume?.volume_id, id);
    assert.deepEqual(await zfsTree(d.parent), [datasetOf(d, id ?? '')]);
    await d.client.controller.DeleteVolume({ volume_id: id ?? '' });
    await assertPoolEmpty(d);
  });
});

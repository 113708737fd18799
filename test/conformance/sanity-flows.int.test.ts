/**
 * The remaining csi-sanity "Controller Service" cases, in its own words: volumes with no capacity, list
 * presence and absence, ValidateVolumeCapabilities answers, and the Node "should work" flow with its
 * cleanup order — each ending with nothing left on the pool.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import {
  VOLUME_BYTES, WRITER_CAPS, assertPoolEmpty, createSnapshot, createVolume, mountCap, targetParent, unique,
} from './support.js';

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

describe('CreateVolume / ListVolumes / ListSnapshots', () => {
  it('"SingleNodeWriter NoCapacity": a volume without a range gets the default size', async () => {
    const { volume } = await d.client.controller.CreateVolume({ name: unique('no-capacity'), volume_capabilities: WRITER_CAPS });
    assert.equal(volume?.capacity_bytes, VOLUME_BYTES.toString());
    await d.client.controller.DeleteVolume({ volume_id: volume?.volume_id ?? '' });
    await assertPoolEmpty(d);
  });

  it('"presence of new volumes and absence of deleted ones"', async () => {
    const count = async (): Promise<number> => (await d.client.controller.ListVolumes({})).entries.length;
    const before = await count();
    const id = (await createVolume(d, 'sanity')).volume_id;
    assert.equal(await count(), before + 1);
    await d.client.controller.DeleteVolume({ volume_id: id });
    assert.equal(await count(), before);
    await assertPoolEmpty(d);
  });

  it('"presence of new snapshots in the snapshot list"', async () => {
    const count = async (): Promise<number> => (await d.client.controller.ListSnapshots({})).entries.length;
    const before = await count();
    const volumeId = (await createVolume(d, unique('listSnapshots-volume-3'))).volume_id;
    const snapshotId = (await createSnapshot(d, unique('listSnapshots-snapshot-3'), volumeId)).snapshot_id;
    assert.equal(await count(), before + 1);
    await d.client.controller.DeleteSnapshot({ snapshot_id: snapshotId });
    assert.equal(await count(), before);
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('ValidateVolumeCapabilities', () => {
  it('confirms what we serve (echoing the capabilities) and declines the rest without an error', async () => {
    const volumeId = (await createVolume(d, unique('validate'))).volume_id;
    const ok = await d.client.controller.ValidateVolumeCapabilities({ volume_id: volumeId, volume_capabilities: WRITER_CAPS });
    assert.equal(ok.confirmed?.volume_capabilities.length, 1);
    assert.equal(ok.confirmed?.volume_capabilities[0]?.access_mode?.mode, 'SINGLE_NODE_WRITER');
    const declined = [
      [{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }],
      [{ mount: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' as const } }],
      [{ mount: { fs_type: 'ext4' }, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }],
    ];
    for (const caps of declined) {
      const r = await d.client.controller.ValidateVolumeCapabilities({ volume_id: volumeId, volume_capabilities: caps });
      assert.equal(r.confirmed, null, JSON.stringify(caps));
      assert.notEqual(r.message, '');
    }
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('Node Service "should work" / "should be idempotent" with csi-sanity\'s cleanup', () => {
  for (const count of [1, 10]) {
    it(`create with the node topology, publish ${count}×, stats; cleanup unpublishes and deletes to nothing`, async () => {
      const info = await d.client.node.NodeGetInfo({});
      const volume = await createVolume(d, unique(`sanity-node-full-${count}`), VOLUME_BYTES, {
        accessibility_requirements: { requisite: [info.accessible_topology ?? {}] },
      });
      assert.deepEqual(volume.accessible_topology, [info.accessible_topology]);
      const target = join(await targetParent(d, 'csi-mount'), 'target');
      for (let i = 0; i < count; i++) {
        await d.client.node.NodePublishVolume({
          volume_id: volume.volume_id, target_path: target, volume_capability: mountCap(),
          volume_context: volume.volume_context,
        });
      }
      const stats = await d.client.node.NodeGetVolumeStats({ volume_id: volume.volume_id, volume_path: target });
      assert.ok(stats.usage.length > 0);
      await d.client.node.NodeUnpublishVolume({ volume_id: volume.volume_id, target_path: target });
      assert.equal(existsSync(target), false);
      await d.client.controller.DeleteVolume({ volume_id: volume.volume_id });
      await assertPoolEmpty(d);
    });
  }
});

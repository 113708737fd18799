/**
 * The Controller's error semantics as csi-sanity checks them (DESIGN.md §5): ALREADY_EXISTS for a name reused
 * with other arguments, NOT_FOUND for unknown IDs, OK for deleting what is not there — and none of these
 * refusals changes the pool.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';
import {
  EXPAND_BYTES, VOLUME_BYTES, WRITER_CAPS, assertPoolEmpty, createSnapshot, createVolume, mountCap, mountsBelow,
  rejectsWith, targetParent, unique, volumeRequest,
} from './support.js';

/** Well-formed IDs no volume or snapshot has (csi-sanity's GenerateUniqueValidVolumeID), and foreign shapes. */
const UNKNOWN_VOLUMES = ['vol-aaaaaaaaaaaaaaaaaaaa', 'fake-vol-id-0123', 'does/not@exist'];
const UNKNOWN_SNAPSHOTS = ['snap-aaaaaaaaaaaaaaaaaaaa', 'reallyfakesnapshotid', 'none-exist-id'];

let d: Driver;
let sourceId: string;
let otherId: string;
let snapshotId: string;
let tree: string[];

before(async () => {
  d = await startDriver();
  sourceId = (await createVolume(d, unique('errors-source'))).volume_id;
  otherId = (await createVolume(d, unique('errors-other'))).volume_id;
  snapshotId = (await createSnapshot(d, unique('errors-snap'), sourceId)).snapshot_id;
  tree = await zfsTree(d.parent);
});
after(async () => {
  await d.cleanup();
});

/** A refusal with `code` that leaves the pool exactly as it was. */
async function refused(code: string, what: string, call: () => Promise<unknown>): Promise<void> {
  await rejectsWith(call(), code, what);
  assert.deepEqual(await zfsTree(d.parent), tree, `${what} must not change the pool`);
}

describe('ALREADY_EXISTS: a name reused with other arguments', () => {
  it('same volume name, different size', async () => {
    const name = unique('size');
    await createVolume(d, name, VOLUME_BYTES);
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateVolume 2 GiB', () =>
      d.client.controller.CreateVolume(volumeRequest(name, 2n * VOLUME_BYTES)));
  });

  it('same volume name, different content source (none vs a snapshot; snapshot vs volume)', async () => {
    const name = unique('source');
    await createVolume(d, name);
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateVolume from snapshot', () =>
      d.client.controller.CreateVolume(volumeRequest(name, VOLUME_BYTES, {
        volume_content_source: { snapshot: { snapshot_id: snapshotId } },
      })));
    const cloneName = unique('clone');
    await createVolume(d, cloneName, VOLUME_BYTES, { volume_content_source: { snapshot: { snapshot_id: snapshotId } } });
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateVolume from a volume', () =>
      d.client.controller.CreateVolume(volumeRequest(cloneName, VOLUME_BYTES, {
        volume_content_source: { volume: { volume_id: sourceId } },
      })));
  });

  it('same volume name, different parameters', async () => {
    const name = unique('params');
    await createVolume(d, name, VOLUME_BYTES, { parameters: { compression: 'gzip' } });
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateVolume compression=off', () =>
      d.client.controller.CreateVolume(volumeRequest(name, VOLUME_BYTES, { parameters: { compression: 'off' } })));
  });

  it('same volume name, a requisite topology without the volume\'s node', async () => {
    const name = unique('topology');
    await createVolume(d, name);
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateVolume on another node', () =>
      d.client.controller.CreateVolume(volumeRequest(name, VOLUME_BYTES, {
        accessibility_requirements: { requisite: [{ segments: { [TOPOLOGY_NODE_KEY]: 'some-other-node' } }] },
      })));
  });

  it('same snapshot name, different source volume', async () => {
    const name = unique('snap-name');
    await createSnapshot(d, name, sourceId);
    tree = await zfsTree(d.parent);
    await refused('ALREADY_EXISTS', 'CreateSnapshot of another volume', () =>
      d.client.controller.CreateSnapshot({ name, source_volume_id: otherId }));
  });
});

describe('NOT_FOUND: unknown volume and snapshot IDs', () => {
  for (const id of UNKNOWN_VOLUMES) {
    it(`volume id ${JSON.stringify(id)} in every RPC that takes one`, async () => {
      const c = d.client.controller;
      const n = d.client.node;
      await refused('NOT_FOUND', 'ValidateVolumeCapabilities', () =>
        c.ValidateVolumeCapabilities({ volume_id: id, volume_capabilities: WRITER_CAPS }));
      await refused('NOT_FOUND', 'ControllerGetVolume', () => c.ControllerGetVolume({ volume_id: id }));
      await refused('NOT_FOUND', 'ControllerExpandVolume', () =>
        c.ControllerExpandVolume({ volume_id: id, capacity_range: { required_bytes: EXPAND_BYTES.toString() } }));
      await refused('NOT_FOUND', 'CreateVolume from an unknown volume', () =>
        c.CreateVolume(volumeRequest(unique('from-unknown'), VOLUME_BYTES, {
          volume_content_source: { volume: { volume_id: id } },
        })));
      await refused('NOT_FOUND', 'CreateSnapshot of an unknown volume', () =>
        c.CreateSnapshot({ name: unique('of-unknown'), source_volume_id: id }));
      const parent = await targetParent(d);
      const target = join(parent, 'target');
      await refused('NOT_FOUND', 'NodePublishVolume', () =>
        n.NodePublishVolume({ volume_id: id, target_path: target, volume_capability: mountCap() }));
      assert.deepEqual(await mountsBelow(parent), []);
      await refused('NOT_FOUND', 'NodeGetVolumeStats', () => n.NodeGetVolumeStats({ volume_id: id, volume_path: parent }));
      await refused('NOT_FOUND', 'NodeExpandVolume', () => n.NodeExpandVolume({ volume_id: id, volume_path: parent }));
    });
  }

  it('csi-sanity "should fail when volume is not found": unknown id with the relative "some/path" → NOT_FOUND', async () => {
    // The volume is unknown, so wherever volume_path points it "does not exist on the specified volume_path".
    await refused('NOT_FOUND', 'NodeGetVolumeStats at some/path', () =>
      d.client.node.NodeGetVolumeStats({ volume_id: 'vol-aaaaaaaaaaaaaaaaaaaa', volume_path: 'some/path' }));
    await refused('NOT_FOUND', 'NodeExpandVolume at some/path', () =>
      d.client.node.NodeExpandVolume({ volume_id: 'vol-aaaaaaaaaaaaaaaaaaaa', volume_path: 'some/path' }));
  });

  for (const id of UNKNOWN_SNAPSHOTS) {
    it(`snapshot id ${JSON.stringify(id)}: GetSnapshot and CreateVolume from it`, async () => {
      await refused('NOT_FOUND', 'GetSnapshot', () => d.client.controller.GetSnapshot({ snapshot_id: id }));
      await refused('NOT_FOUND', 'CreateVolume from an unknown snapshot', () =>
        d.client.controller.CreateVolume(volumeRequest(unique('from-unknown-snap'), VOLUME_BYTES, {
          volume_content_source: { snapshot: { snapshot_id: id } },
        })));
    });
  }
});

describe('deleting what is not there → OK', () => {
  it('DeleteVolume / DeleteSnapshot of unknown IDs succeed and change nothing', async () => {
    for (const id of UNKNOWN_VOLUMES) await d.client.controller.DeleteVolume({ volume_id: id });
    for (const id of UNKNOWN_SNAPSHOTS) await d.client.controller.DeleteSnapshot({ snapshot_id: id });
    assert.deepEqual(await zfsTree(d.parent), tree);
  });
});

describe('the volumes and snapshots themselves still answer', () => {
  it('ControllerGetVolume, ValidateVolumeCapabilities and GetSnapshot of real IDs', async () => {
    const got = await d.client.controller.ControllerGetVolume({ volume_id: sourceId });
    assert.equal(got.volume?.volume_id, sourceId);
    assert.equal(got.volume?.capacity_bytes, VOLUME_BYTES.toString());
    assert.equal(got.status?.volume_condition?.abnormal, false);
    const valid = await d.client.controller.ValidateVolumeCapabilities({
      volume_id: sourceId, volume_capabilities: WRITER_CAPS,
    });
    assert.ok(valid.confirmed && valid.confirmed.volume_capabilities.length > 0);
    const snap = await d.client.controller.GetSnapshot({ snapshot_id: snapshotId });
    assert.equal(snap.snapshot?.source_volume_id, sourceId);
    assert.equal(snap.snapshot?.ready_to_use, true);
  });

  it('everything deletes to nothing (volumes first, then snapshots)', async () => {
    const { entries } = await d.client.controller.ListVolumes({});
    for (const e of entries) await d.client.controller.DeleteVolume({ volume_id: e.volume?.volume_id ?? '' });
    const snaps = await d.client.controller.ListSnapshots({});
    for (const e of snaps.entries) {
      await d.client.controller.DeleteSnapshot({ snapshot_id: e.snapshot?.snapshot_id ?? '' });
    }
    await assertPoolEmpty(d, 'deleting every object in any order leaves nothing (DESIGN.md §3.1)');
  });
});

/**
 * Every RPC's required fields (csi-sanity's "should fail when no ... is provided"): INVALID_ARGUMENT before
 * anything is touched (DESIGN.md §5) — the pool under the parent and the mount table stay exactly as they were.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';
import {
  EXPAND_BYTES, VOLUME_BYTES, WRITER_CAPS, assertPoolEmpty, createSnapshot, createVolume, mountCap, mountsBelow,
  rejectsWith, targetParent, unique,
} from './support.js';

let d: Driver;
let volumeId: string;
let snapshotId: string;
let parentDir: string;
let tree: string[];
let mounts: string[];

before(async () => {
  d = await startDriver();
  volumeId = (await createVolume(d, unique('required-fields'))).volume_id;
  snapshotId = (await createSnapshot(d, unique('required-fields-snap'), volumeId)).snapshot_id;
  parentDir = await targetParent(d);
  tree = await zfsTree(d.parent);
  mounts = await mountsBelow(d.dir);
});

after(async () => {
  await d.cleanup();
});

/** One refusal: INVALID_ARGUMENT, and neither the pool nor the mount table changed. */
async function refused(what: string, call: () => Promise<unknown>): Promise<void> {
  await rejectsWith(call(), 'INVALID_ARGUMENT', what);
  assert.deepEqual(await zfsTree(d.parent), tree, `${what} must not change the pool`);
  assert.deepEqual(await mountsBelow(d.dir), mounts, `${what} must not mount anything`);
}

const range = { required_bytes: VOLUME_BYTES.toString() };

describe('Controller: missing required fields → INVALID_ARGUMENT, nothing touched', () => {
  const c = () => d.client.controller;
  it('CreateVolume without name', () =>
    refused('CreateVolume{}', () => c().CreateVolume({ volume_capabilities: WRITER_CAPS, capacity_range: range })));
  it('CreateVolume without capabilities', () =>
    refused('CreateVolume{name}', () => c().CreateVolume({ name: unique('no-caps'), capacity_range: range })));
  it('DeleteVolume without volume_id', () => refused('DeleteVolume{}', () => c().DeleteVolume({})));
  it('ValidateVolumeCapabilities without volume_id', () =>
    refused('Validate{caps}', () => c().ValidateVolumeCapabilities({ volume_capabilities: WRITER_CAPS })));
  it('ValidateVolumeCapabilities without capabilities (of a real volume)', () =>
    refused('Validate{id}', () => c().ValidateVolumeCapabilities({ volume_id: volumeId })));
  it('CreateSnapshot without name', () =>
    refused('CreateSnapshot{source}', () => c().CreateSnapshot({ source_volume_id: volumeId })));
  it('CreateSnapshot without source_volume_id', () =>
    refused('CreateSnapshot{name}', () => c().CreateSnapshot({ name: unique('no-source') })));
  it('DeleteSnapshot without snapshot_id', () => refused('DeleteSnapshot{}', () => c().DeleteSnapshot({})));
  it('ControllerExpandVolume without volume_id', () =>
    refused('Expand{range}', () =>
      c().ControllerExpandVolume({ capacity_range: { required_bytes: EXPAND_BYTES.toString() } })));
  it('ControllerExpandVolume without capacity_range (of a real volume)', () =>
    refused('Expand{id}', () => c().ControllerExpandVolume({ volume_id: volumeId })));
  it('GetSnapshot without snapshot_id', () => refused('GetSnapshot{}', () => c().GetSnapshot({})));
  it('ControllerGetVolume without volume_id', () => refused('GetVolume{}', () => c().ControllerGetVolume({})));
});

describe('Node: missing required fields → INVALID_ARGUMENT, nothing mounted or made', () => {
  const n = () => d.client.node;
  it('NodePublishVolume without volume_id', () =>
    refused('Publish{target,cap}', () =>
      n().NodePublishVolume({ target_path: join(parentDir, 'target'), volume_capability: mountCap() })));
  it('NodePublishVolume without target_path', () =>
    refused('Publish{id,cap}', () => n().NodePublishVolume({ volume_id: volumeId, volume_capability: mountCap() })));
  it('NodePublishVolume without volume_capability (real volume): the target is not created', async () => {
    const target = join(parentDir, 'no-cap');
    await refused('Publish{id,target}', () => n().NodePublishVolume({ volume_id: volumeId, target_path: target }));
    assert.equal(existsSync(target), false);
  });
  it('NodeUnpublishVolume without volume_id', () =>
    refused('Unpublish{target}', () => n().NodeUnpublishVolume({ target_path: join(parentDir, 'target') })));
  it('NodeUnpublishVolume without target_path', () =>
    refused('Unpublish{id}', () => n().NodeUnpublishVolume({ volume_id: volumeId })));
  it('NodeGetVolumeStats without volume_id (csi-sanity sends a relative path)', () =>
    refused('Stats{path}', () => n().NodeGetVolumeStats({ volume_path: 'some/path' })));
  it('NodeGetVolumeStats without volume_path', () =>
    refused('Stats{id}', () => n().NodeGetVolumeStats({ volume_id: volumeId })));
  it('NodeExpandVolume without volume_id', () =>
    refused('NodeExpand{path}', () => n().NodeExpandVolume({ volume_path: parentDir, volume_capability: mountCap() })));
  it('NodeExpandVolume without volume_path', () =>
    refused('NodeExpand{id}', () => n().NodeExpandVolume({ volume_id: volumeId, volume_capability: mountCap() })));
});

describe('cleanup', () => {
  it('the volume and snapshot made for these checks delete to nothing', async () => {
    await d.client.controller.DeleteSnapshot({ snapshot_id: snapshotId });
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

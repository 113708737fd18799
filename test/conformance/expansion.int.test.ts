/**
 * csi-sanity "ExpandVolume" and "NodeExpandVolume" with the acceptance sizes (1 GiB → 2 GiB), and GetCapacity
 * (DESIGN.md §3: `zfs set refquota`, node_expansion_required=false; capacity is the parent's `available`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp } from '../support/pool.js';
import {
  EXPAND_BYTES, VOLUME_BYTES, assertPoolEmpty, createVolume, datasetOf, mountCap, rejectsWith, targetParent, unique,
  volumeRequest,
} from './support.js';

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

const expand = (volumeId: string, bytes: bigint) =>
  d.client.controller.ControllerExpandVolume({
    volume_id: volumeId,
    capacity_range: { required_bytes: bytes.toString() },
    volume_capability: mountCap(),
  });

describe('ControllerExpandVolume', () => {
  it('1 GiB → 2 GiB: exactly 2 GiB back, refquota 2 GiB on the pool, no node step; repeats are OK', async () => {
    const volumeId = (await createVolume(d, unique('expand'))).volume_id;
    assert.equal(await zfsProp(datasetOf(d, volumeId), 'refquota'), VOLUME_BYTES.toString());
    const r = await expand(volumeId, EXPAND_BYTES);
    assert.equal(r.capacity_bytes, EXPAND_BYTES.toString());
    assert.equal(r.node_expansion_required, false);
    assert.equal(await zfsProp(datasetOf(d, volumeId), 'refquota'), EXPAND_BYTES.toString());
    for (let i = 0; i < 3; i++) assert.deepEqual(await expand(volumeId, EXPAND_BYTES), r);
    const got = await d.client.controller.ControllerGetVolume({ volume_id: volumeId });
    assert.equal(got.volume?.capacity_bytes, EXPAND_BYTES.toString());
    const listed = (await d.client.controller.ListVolumes({})).entries.find((e) => e.volume?.volume_id === volumeId);
    assert.equal(listed?.volume?.capacity_bytes, EXPAND_BYTES.toString());
    // Never shrinks: asking for less answers the current size and leaves the quota alone.
    assert.equal((await expand(volumeId, VOLUME_BYTES)).capacity_bytes, EXPAND_BYTES.toString());
    assert.equal(await zfsProp(datasetOf(d, volumeId), 'refquota'), EXPAND_BYTES.toString());
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });

  it('limit_bytes below the requested size → INVALID_ARGUMENT, the quota unchanged', async () => {
    const volumeId = (await createVolume(d, unique('expand-bad'))).volume_id;
    await rejectsWith(
      d.client.controller.ControllerExpandVolume({
        volume_id: volumeId,
        capacity_range: { required_bytes: EXPAND_BYTES.toString(), limit_bytes: VOLUME_BYTES.toString() },
      }),
      'INVALID_ARGUMENT', 'limit < required',
    );
    assert.equal(await zfsProp(datasetOf(d, volumeId), 'refquota'), VOLUME_BYTES.toString());
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('NodeExpandVolume (csi-sanity "should work if node-expand is called after node-publish")', () => {
  it('controller expand, publish, node expand: the size comes back and statfs shows it online', async () => {
    const volumeId = (await createVolume(d, unique('node-expand'))).volume_id;
    const target = join(await targetParent(d), 'target');
    await d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: mountCap() });
    const statTotal = async (): Promise<bigint> => {
      const s = await d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: target });
      return BigInt(s.usage.find((u) => u.unit === 'BYTES')?.total ?? '0');
    };
    assert.ok((await statTotal()) <= VOLUME_BYTES);
    assert.equal((await expand(volumeId, EXPAND_BYTES)).capacity_bytes, EXPAND_BYTES.toString());
    const total = await statTotal();
    assert.ok(total > VOLUME_BYTES && total <= EXPAND_BYTES, `statfs total ${total} grew online to ≈ 2 GiB`);
    const r = await d.client.node.NodeExpandVolume({
      volume_id: volumeId, volume_path: target, capacity_range: { required_bytes: EXPAND_BYTES.toString() },
    });
    assert.equal(r.capacity_bytes, EXPAND_BYTES.toString());
    const bare = await d.client.node.NodeExpandVolume({ volume_id: volumeId, volume_path: target });
    assert.equal(bare.capacity_bytes, EXPAND_BYTES.toString(), 'without a range: the current size');
    await rejectsWith(
      d.client.node.NodeExpandVolume({ volume_id: volumeId, volume_path: await targetParent(d, 'elsewhere') }),
      'NOT_FOUND', 'NodeExpandVolume where the volume is not mounted',
    );
    await d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('GetCapacity', () => {
  const available = async (req: Parameters<Driver['client']['controller']['GetCapacity']>[0]): Promise<bigint> =>
    BigInt((await d.client.controller.GetCapacity(req)).available_capacity);

  it('with no arguments (csi-sanity) and for this node: > 0 and no more than the parent has', async () => {
    const pool = BigInt((await zfsProp(d.parent, 'available')) ?? '0');
    const all = await available({});
    assert.ok(all > 0n && all <= pool + (64n << 20n), `available ${all} vs parent ${pool}`);
    const here = await available({
      volume_capabilities: [mountCap()],
      accessible_topology: { segments: { 'zfs.csi.dev/node': d.nodeId } },
    });
    assert.ok(here > 0n);
    const r = await d.client.controller.GetCapacity({});
    assert.ok(BigInt(r.maximum_volume_size?.value ?? '0') > 0n);
  });

  it('a topology naming another node → 0 (nothing can be placed there)', async () => {
    const r = await d.client.controller.GetCapacity({
      volume_capabilities: [mountCap()],
      accessible_topology: { segments: { 'zfs.csi.dev/node': 'some-other-node' } },
    });
    assert.equal(BigInt(r.available_capacity), 0n);
    assert.equal(BigInt(r.maximum_volume_size?.value ?? '0'), 0n);
  });

  it('a capability we cannot serve (block) → 0', async () => {
    const r = await d.client.controller.GetCapacity({
      volume_capabilities: [{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }],
    });
    assert.equal(BigInt(r.available_capacity), 0n);
  });

  it('a volume larger than the pool → RESOURCE_EXHAUSTED, nothing made', async () => {
    const huge = BigInt((await d.client.controller.GetCapacity({})).available_capacity) * 4n + (1n << 40n);
    await rejectsWith(
      d.client.controller.CreateVolume(volumeRequest(unique('huge'), huge)), 'RESOURCE_EXHAUSTED', 'CreateVolume',
    );
    await assertPoolEmpty(d);
  });
});

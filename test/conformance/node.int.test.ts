/**
 * csi-sanity "Node Service" against real bind mounts of real zfs-fuse datasets (DESIGN.md §3 NodePublishVolume,
 * NodeGetVolumeStats): data written through a target lands in the dataset, read-only publishes refuse writes,
 * SINGLE_NODE_SINGLE_WRITER allows one target, unpublish removes the target, and a published volume is not
 * deleted.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import {
  VOLUME_BYTES, assertPoolEmpty, createVolume, datasetOf, mountCap, mountsBelow, rejectsWith, targetParent, unique,
  type AccessModeName,
} from './support.js';

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

function publish(volumeId: string, target: string, mode: AccessModeName = 'SINGLE_NODE_WRITER', readonly = false) {
  return d.client.node.NodePublishVolume({
    volume_id: volumeId, target_path: target, volume_capability: mountCap(mode), readonly,
  });
}
const unpublish = (volumeId: string, target: string) =>
  d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });

const errnoOf = (err: unknown): unknown => (typeof err === 'object' && err !== null && 'code' in err ? err.code : err);

describe('publish, write, read-only, stats, unpublish (SINGLE_NODE_WRITER)', () => {
  let volumeId = '';
  let parent = '';
  let target = '';
  let readOnlyTarget = '';

  it('csi-sanity "should work": a volume created with the node\'s topology is published at a new target', async () => {
    const info = await d.client.node.NodeGetInfo({});
    assert.deepEqual(info.accessible_topology?.segments, { 'zfs.csi.dev/node': d.nodeId });
    const volume = await createVolume(d, unique('node'), VOLUME_BYTES, {
      accessibility_requirements: { requisite: [info.accessible_topology ?? {}] },
    });
    volumeId = volume.volume_id;
    parent = await targetParent(d);
    target = join(parent, 'target');
    assert.equal(existsSync(target), false, 'the CO makes the parent, the driver makes the target');
    await publish(volumeId, target);
    assert.deepEqual(await mountsBelow(parent), [target]);
  });

  it('a file written through the target is in the dataset', async () => {
    await writeFile(join(target, 'hello.txt'), 'written through the target');
    const mountpoint = await zfsProp(datasetOf(d, volumeId), 'mountpoint');
    assert.equal(mountpoint, join(d.mountRoot, volumeId));
    assert.equal(await readFile(join(mountpoint ?? '', 'hello.txt'), 'utf8'), 'written through the target');
  });

  it('NodeGetVolumeStats on the target: bytes with total ≈ capacity, and inodes', async () => {
    const stats = await d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: target });
    const bytes = stats.usage.find((u) => u.unit === 'BYTES');
    const inodes = stats.usage.find((u) => u.unit === 'INODES');
    assert.ok(bytes && inodes, 'both BYTES and INODES are reported');
    const total = BigInt(bytes.total);
    assert.ok(total <= VOLUME_BYTES && total >= (VOLUME_BYTES * 9n) / 10n, `total ${total} ≈ refquota ${VOLUME_BYTES}`);
    assert.ok(BigInt(bytes.used) > 0n && BigInt(bytes.available) < total);
    assert.ok(BigInt(inodes.total) > 0n && BigInt(inodes.used) > 0n);
    assert.equal(stats.volume_condition?.abnormal, false);
  });

  it('a read-only publish at a second target: reads work, writes fail with EROFS', async () => {
    readOnlyTarget = join(await targetParent(d, 'ro'), 'target');
    await publish(volumeId, readOnlyTarget, 'SINGLE_NODE_WRITER', true);
    assert.equal(await readFile(join(readOnlyTarget, 'hello.txt'), 'utf8'), 'written through the target');
    await assert.rejects(writeFile(join(readOnlyTarget, 'nope'), 'x'), (err: unknown) => errnoOf(err) === 'EROFS');
    await writeFile(join(target, 'still-writable'), 'yes'); // the read-write target is unaffected
  });

  it('publishing the same target again with other access → ALREADY_EXISTS, the mount unchanged', async () => {
    await rejectsWith(publish(volumeId, readOnlyTarget, 'SINGLE_NODE_WRITER', false), 'ALREADY_EXISTS', 'ro→rw');
    await assert.rejects(writeFile(join(readOnlyTarget, 'nope'), 'x'), (err: unknown) => errnoOf(err) === 'EROFS');
  });

  it('stats where the volume is not mounted → NOT_FOUND (an empty dir, the target\'s parent)', async () => {
    const empty = await targetParent(d, 'empty');
    for (const path of [empty, parent]) {
      await rejectsWith(
        d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: path }), 'NOT_FOUND', path,
      );
    }
  });

  it('csi-sanity "volume does not exist on the specified path": the relative "some/path" → NOT_FOUND', async () => {
    await rejectsWith(
      d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: 'some/path' }), 'NOT_FOUND', 'stats',
    );
  });

  it('DeleteVolume of a published volume → FAILED_PRECONDITION, the dataset and its data stay', async () => {
    await rejectsWith(d.client.controller.DeleteVolume({ volume_id: volumeId }), 'FAILED_PRECONDITION', 'DeleteVolume');
    assert.deepEqual(await zfsTree(d.parent), [datasetOf(d, volumeId)]);
    assert.equal(await readFile(join(target, 'hello.txt'), 'utf8'), 'written through the target');
    const got = await d.client.controller.ControllerGetVolume({ volume_id: volumeId });
    assert.equal(got.volume?.volume_id, volumeId);
  });

  it('unpublish removes each target (and only the target); the data stays in the dataset', async () => {
    for (const t of [readOnlyTarget, target]) {
      await unpublish(volumeId, t);
      assert.equal(existsSync(t), false, `${t} removed`);
      assert.deepEqual(await mountsBelow(t), []);
    }
    assert.equal(existsSync(parent), true, 'the CO-made parent directory stays');
    await rejectsWith(
      d.client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: target }), 'NOT_FOUND', 'stats after unpublish',
    );
    assert.equal(await readFile(join(d.mountRoot, volumeId, 'hello.txt'), 'utf8'), 'written through the target');
  });

  it('with nothing published the volume deletes to nothing', async () => {
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('SINGLE_NODE_SINGLE_WRITER', () => {
  it('one target only: a second target → FAILED_PRECONDITION and is not made; the first stays usable', async () => {
    const volumeId = (await createVolume(d, unique('single-writer'))).volume_id;
    const first = join(await targetParent(d), 'target');
    const secondParent = await targetParent(d);
    const second = join(secondParent, 'target');
    await publish(volumeId, first, 'SINGLE_NODE_SINGLE_WRITER');
    await publish(volumeId, first, 'SINGLE_NODE_SINGLE_WRITER'); // the same target again is idempotent
    await rejectsWith(publish(volumeId, second, 'SINGLE_NODE_SINGLE_WRITER'), 'FAILED_PRECONDITION', 'second target');
    assert.equal(existsSync(second), false);
    assert.deepEqual(await mountsBelow(secondParent), []);
    await writeFile(join(first, 'ok'), 'still writable');
    await unpublish(volumeId, first);
    // Once the first target is gone, the single writer may move.
    await publish(volumeId, second, 'SINGLE_NODE_SINGLE_WRITER');
    assert.equal(await readFile(join(second, 'ok'), 'utf8'), 'still writable');
    await unpublish(volumeId, second);
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

describe('unpublish of what is not there', () => {
  it('a target that never existed, of a known or an unknown volume → OK', async () => {
    const parent = await targetParent(d);
    await unpublish('vol-aaaaaaaaaaaaaaaaaaaa', join(parent, 'never'));
    const volumeId = (await createVolume(d, unique('never-published'))).volume_id;
    await unpublish(volumeId, join(parent, 'never'));
    assert.equal(existsSync(parent), true);
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSnapshotId, isVolumeId, newSnapshotId, newVolumeId } from '../../src/csi/ids.js';

describe('ids', () => {
  it('volume IDs are vol- + 20 base32 characters, unique', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newVolumeId();
      assert.match(id, /^vol-[a-z2-7]{20}$/);
      assert.ok(isVolumeId(id));
      assert.ok(!isSnapshotId(id));
      ids.add(id);
    }
    assert.equal(ids.size, 2000);
  });

  it('snapshot IDs are snap- + 20 base32 characters', () => {
    const id = newSnapshotId();
    assert.match(id, /^snap-[a-z2-7]{20}$/);
    assert.ok(isSnapshotId(id));
    assert.ok(!isVolumeId(id));
  });

  it('uses the whole alphabet (no bias to a subset)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newVolumeId().slice(4)) seen.add(c);
    assert.equal(seen.size, 32);
  });

  it('shape checks refuse anything that could reach zfs unsafely', () => {
    for (const bad of ['', 'vol-', 'vol-ABCDEFGHIJKLMNOPQRST', 'vol-aaaaaaaaaaaaaaaaaaa1', 'vol-aaaaaaaaaaaaaaaaaaaa/x',
      'tank/vol-aaaaaaaaaaaaaaaaaaaa', 'vol-aaaaaaaaaaaaaaaaaaaa@s', 'vol-aaaaaaaaaaaaaaaaaaaaa', 'pvc-123']) {
      assert.ok(!isVolumeId(bad), bad);
      assert.ok(!isSnapshotId(bad.replace('vol-', 'snap-')), bad);
    }
  });
});

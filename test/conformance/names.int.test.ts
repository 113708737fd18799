/**
 * CO names (CSI CreateVolumeRequest.name / CreateSnapshotRequest.name): up to 128 bytes of any Unicode except
 * U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+007F–U+009F. So tabs, newlines, carriage returns, spaces and
 * ZFS-special characters (`/`, `@`, `%`, `,`) are all legal, must work, and must find the same object again —
 * also after a restart, when the records are rebuilt from the pool (DESIGN.md §3.1, §5).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';
import { assertPoolEmpty, createSnapshot, createVolume, datasetOf, rejectsWith, volumeRequest } from './support.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** csi-sanity's UniqueStringWithLength: a prefix padded with ASCII to exactly n bytes. */
const padded = (prefix: string, n: number): string => prefix + 'x'.repeat(n - bytes(prefix));

const LEGAL: Readonly<Record<string, string>> = {
  'ASCII, 128 bytes': padded('sanity-maxlen-', 128),
  'two-byte UTF-8, 128 bytes': 'é'.repeat(64),
  'three-byte UTF-8 and ASCII, 128 bytes': '日本'.repeat(21) + 'ab',
  'four-byte UTF-8, 128 bytes': '😀'.repeat(32),
  'whitespace the spec allows': 'tab\there\nnew line\r\ncrlf and  spaces ',
  'ZFS-special characters': 'pvc/with@odd%chars,and..dots',
  'a single space': ' ',
  'space and tab differ': 'a b',
  'tab and space differ': 'a\tb',
};

let d: Driver;
const volumes = new Map<string, string>(); // name → volume id
const snapshots = new Map<string, string>(); // name → snapshot id

before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

describe('names up to 128 bytes of the Unicode the spec allows', () => {
  it('the legal names are what they claim (sizes checked)', () => {
    for (const [label, name] of Object.entries(LEGAL)) {
      if (label.includes('128 bytes')) assert.equal(bytes(name), 128, label);
      else assert.ok(bytes(name) <= 128, label);
    }
  });

  for (const [label, name] of Object.entries(LEGAL)) {
    it(`${label}: volume and snapshot are created and found again by name`, async () => {
      const volume = await createVolume(d, name);
      assert.ok(![...volumes.values()].includes(volume.volume_id), 'a distinct name is a distinct volume');
      volumes.set(name, volume.volume_id);
      const again = await createVolume(d, name);
      assert.equal(again.volume_id, volume.volume_id);
      const snap = await createSnapshot(d, name, volume.volume_id);
      snapshots.set(name, snap.snapshot_id);
      assert.equal((await createSnapshot(d, name, volume.volume_id)).snapshot_id, snap.snapshot_id);
    });
  }

  it('one dataset and one snapshot per name on the pool', async () => {
    const expected = [...volumes.entries()].flatMap(([name, id]) => [
      datasetOf(d, id),
      `${datasetOf(d, id)}@${snapshots.get(name) ?? 'missing'}`,
    ]);
    assert.deepEqual(await zfsTree(d.parent), expected.sort());
  });
});

describe('names past the limit or with banned control characters', () => {
  const TOO_LONG: Readonly<Record<string, string>> = {
    'ASCII, 129 bytes': padded('sanity-toolong-', 129),
    'UTF-8, 129 bytes': 'é'.repeat(64) + 'a',
    'UTF-8, 130 bytes (64 characters of 2 bytes and one of 2)': 'é'.repeat(65),
  };
  for (const [label, name] of Object.entries(TOO_LONG)) {
    it(`${label} → INVALID_ARGUMENT for volumes and snapshots, nothing made`, async () => {
      const before = await zfsTree(d.parent);
      await rejectsWith(d.client.controller.CreateVolume(volumeRequest(name)), 'INVALID_ARGUMENT', 'CreateVolume');
      const source = [...volumes.values()][0] ?? '';
      await rejectsWith(
        d.client.controller.CreateSnapshot({ name, source_volume_id: source }), 'INVALID_ARGUMENT', 'CreateSnapshot',
      );
      assert.deepEqual(await zfsTree(d.parent), before);
    });
  }

  for (const code of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0e, 0x1f, 0x7f, 0x85, 0x9f]) {
    it(`U+${code.toString(16).padStart(4, '0').toUpperCase()} → INVALID_ARGUMENT`, async () => {
      const before = await zfsTree(d.parent);
      const name = `bad${String.fromCharCode(code)}name`;
      await rejectsWith(d.client.controller.CreateVolume(volumeRequest(name)), 'INVALID_ARGUMENT', 'CreateVolume');
      assert.deepEqual(await zfsTree(d.parent), before);
    });
  }
});

describe('names after a restart (records rebuilt from the pool)', () => {
  it('every legal name finds its volume and snapshot again', async () => {
    await d.stop();
    const restarted = await startDriver({ parent: d.parent, dir: d.dir });
    try {
      for (const [name, id] of volumes) {
        assert.equal((await createVolume(restarted, name)).volume_id, id, JSON.stringify(name));
        assert.equal((await createSnapshot(restarted, name, id)).snapshot_id, snapshots.get(name));
      }
      for (const [name, id] of volumes) {
        await restarted.client.controller.DeleteSnapshot({ snapshot_id: snapshots.get(name) ?? '' });
        await restarted.client.controller.DeleteVolume({ volume_id: id });
      }
      await assertPoolEmpty(restarted);
    } finally {
      restarted.client.close();
      await restarted.stop();
    }
  });
});

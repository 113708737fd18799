import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { MountError } from '../../src/mount/errors.js';
import { parseMountInfo, parseMountInfoLine, unescapeMountField } from '../../src/mount/mountinfo.js';
import { OPENZFS_TABLE, PLAIN_TABLE, ZFS_FUSE_TABLE } from './fixtures.js';

describe('parseMountInfoLine', () => {
  it('reads the proc(5) example with an optional field', () => {
    const e = parseMountInfoLine('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue');
    assert.deepEqual(e, {
      id: 36,
      parentId: 35,
      device: '98:0',
      root: '/mnt1',
      mountPoint: '/mnt2',
      options: ['rw', 'noatime'],
      fsType: 'ext3',
      source: '/dev/root',
      superOptions: ['rw', 'errors=continue'],
    });
  });

  it('skips several optional fields, and none', () => {
    const many = parseMountInfoLine('51 27 254:0 /srv/data /mnt/b ro,relatime master:7 propagate_from:3 unbindable - ext4 /dev/vda rw');
    assert.equal(many.fsType, 'ext4');
    assert.equal(many.source, '/dev/vda');
    assert.deepEqual(many.options, ['ro', 'relatime']);
    const none = parseMountInfoLine('22 27 0:21 / /proc rw,relatime - proc proc rw');
    assert.equal(none.fsType, 'proc');
    assert.equal(none.mountPoint, '/proc');
  });

  it('reads a zfs-fuse dataset: fstype fuse.zfs, the dataset name as source', () => {
    const e = parseMountInfoLine(
      '43 27 0:40 / /tmp/t/mp rw,relatime - fuse.zfs zfscsi/t-probe rw,user_id=0,group_id=0,default_permissions,allow_other',
    );
    assert.equal(e.fsType, 'fuse.zfs');
    assert.equal(e.source, 'zfscsi/t-probe');
    assert.equal(e.device, '0:40');
    assert.equal(e.root, '/');
  });

  it('reads a bind of a subdirectory (root shows the subdirectory) with an escaped space', () => {
    const e = parseMountInfoLine(
      '45 27 0:40 /inner /tmp/t/sp\\040ace ro,relatime - fuse.zfs zfscsi/t-probe rw,allow_other',
    );
    assert.equal(e.root, '/inner');
    assert.equal(e.mountPoint, '/tmp/t/sp ace');
    assert.deepEqual(e.options, ['ro', 'relatime']);
  });

  it('decodes every escaped field: root, mount point and source', () => {
    const e = parseMountInfoLine('80 27 0:80 /a\\011b /m\\012n\\134o rw - tmpfs my\\040src rw');
    assert.equal(e.root, '/a\tb');
    assert.equal(e.mountPoint, '/m\nn\\o');
    assert.equal(e.source, 'my src');
  });

  it('tolerates an empty source and empty super options', () => {
    const e = parseMountInfoLine('90 27 0:90 / /x rw - tmpfs  ');
    assert.equal(e.source, '');
    assert.deepEqual(e.superOptions, []);
  });

  for (const [why, line] of [
    ['no separator', '22 27 0:21 / /proc rw,relatime proc proc rw'],
    ['bad id', 'x 27 0:21 / /proc rw - proc proc rw'],
    ['bad device', '22 27 021 / /proc rw - proc proc rw'],
    ['too short', '22 27 0:21 / -'],
    ['missing fstype', '22 27 0:21 / /proc rw -'],
  ] as const) {
    it(`refuses a malformed line (${why}) with INTERNAL: the table is never guessed`, () => {
      assert.throws(
        () => parseMountInfoLine(line),
        (err: unknown) => err instanceof MountError && err instanceof DriverError && err.code === 'INTERNAL',
      );
    });
  }
});

describe('unescapeMountField', () => {
  it('decodes octal escapes as bytes (UTF-8 survives) and leaves other text alone', () => {
    assert.equal(unescapeMountField('/caf\\303\\251'), '/café');
    assert.equal(unescapeMountField('/plain/é'), '/plain/é');
    assert.equal(unescapeMountField('/not\\99escape'), '/not\\99escape');
  });
});

describe('parseMountInfo', () => {
  it('parses whole tables in order and ignores the trailing newline', () => {
    const fuse = parseMountInfo(`${ZFS_FUSE_TABLE}\n`);
    assert.equal(fuse.length, 7);
    assert.deepEqual(fuse.map((e) => e.id), [22, 27, 42, 43, 44, 45, 46]);
    assert.equal(parseMountInfo(OPENZFS_TABLE).filter((e) => e.fsType === 'zfs').length, 5);
    assert.equal(parseMountInfo(PLAIN_TABLE).at(-1)?.parentId, 70);
    assert.deepEqual(parseMountInfo(''), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountInfo } from '../../src/mount/mountinfo.js';
import { bindAt, bindsIn, identityOf, isReadOnly, topMountAt } from '../../src/mount/table-query.js';
import { OPENZFS_TABLE, PLAIN_TABLE, ZFS_FUSE_TABLE } from './fixtures.js';

const fuse = parseMountInfo(ZFS_FUSE_TABLE);
const openzfs = parseMountInfo(OPENZFS_TABLE);
const plain = parseMountInfo(PLAIN_TABLE);
const kubelet = (pod: string, pv: string) => `/var/lib/kubelet/pods/${pod}/volumes/kubernetes.io~csi/${pv}/mount`;

describe('bindsIn', () => {
  it('zfs-fuse: finds the whole-dataset bind, not the subdirectory bind nor another dataset', () => {
    assert.deepEqual(bindsIn(fuse, '/tmp/t/mp'), ['/tmp/t/tgt']);
    assert.deepEqual(bindsIn(fuse, '/tmp/t/other'), []);
  });

  it('zfs-fuse: a subdirectory of the dataset finds its own bind (escaped space decoded)', () => {
    assert.deepEqual(bindsIn(fuse, '/tmp/t/mp/inner'), ['/tmp/t/sp ace']);
  });

  it('OpenZFS: finds every kubelet target of a dataset, read-only ones included', () => {
    assert.deepEqual(bindsIn(openzfs, '/var/lib/zfs-csi/mounts/v1'), [kubelet('p1', 'v1'), kubelet('p2', 'v1')]);
    assert.deepEqual(bindsIn(openzfs, '/var/lib/zfs-csi/mounts/v2'), []);
    assert.deepEqual(bindsIn(openzfs, '/var/lib/zfs-csi/mounts/v2/sub'), [kubelet('p3', 'v2')]);
  });

  it('plain directories: an ext4 subdirectory that is not itself a mount point, and a tmpfs', () => {
    assert.deepEqual(bindsIn(plain, '/srv/data'), ['/mnt/a', '/mnt/b']);
    assert.deepEqual(bindsIn(plain, '/srv'), ['/mnt/parent']);
    // Seen through a bind, the same directory has the same identity: the source itself is excluded.
    assert.deepEqual(bindsIn(plain, '/mnt/a'), ['/mnt/b']);
    assert.deepEqual(bindsIn(plain, '/run/src'), ['/mnt/t']);
  });

  it('ignores a bind that another mount now covers', () => {
    // /mnt/stacked shows the "other" tmpfs on top of a bind of /run/src's tmpfs.
    assert.deepEqual(bindsIn(plain, '/run/src').includes('/mnt/stacked'), false);
    assert.equal(topMountAt(plain, '/mnt/stacked')?.source, 'other');
  });

  it('returns nothing for a table without a root mount', () => {
    assert.deepEqual(bindsIn([], '/x'), []);
  });
});

describe('identityOf and bindAt', () => {
  it('joins the rest of the path to the root of the longest mounted prefix', () => {
    assert.deepEqual(identityOf(plain, '/mnt/parent/data/x'), { device: '254:0', root: '/srv/data/x' });
    assert.deepEqual(identityOf(plain, '/mntx'), { device: '254:0', root: '/mntx' });
    assert.deepEqual(identityOf(fuse, '/tmp/t/mp'), { device: '0:40', root: '/' });
  });

  it('bindAt: the visible mount at target when it shows source, with its read-only flag', () => {
    const ro = bindAt(openzfs, '/var/lib/zfs-csi/mounts/v1', kubelet('p2', 'v1'));
    assert.equal(ro?.id, 1202);
    assert.equal(ro !== undefined && isReadOnly(ro), true);
    const rw = bindAt(openzfs, '/var/lib/zfs-csi/mounts/v1', kubelet('p1', 'v1'));
    assert.equal(rw !== undefined && isReadOnly(rw), false);
    assert.equal(bindAt(openzfs, '/var/lib/zfs-csi/mounts/v2', kubelet('p1', 'v1')), undefined);
    assert.equal(bindAt(openzfs, '/var/lib/zfs-csi/mounts/v1', kubelet('p9', 'v1')), undefined);
  });
});

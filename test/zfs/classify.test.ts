import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStderr, summarizeStderr } from '../../src/zfs/classify.js';
import type { ZfsErrorKind } from '../../src/zfs/errors.js';
import { ZFS_GET_USAGE } from './fixtures.js';

/** Messages printed by zfs-fuse 0.7 on this machine, verbatim (collected by provoking each failure). */
const ZFS_FUSE: ReadonlyArray<readonly [string, ZfsErrorKind]> = [
  ["cannot open 'zfscsi/t/missing': dataset does not exist\n", 'not_found'],
  ["cannot open 'nosuchpool/x': dataset does not exist\n", 'not_found'],
  ["cannot create 'zfscsi/t/missing/child': parent does not exist\n", 'not_found'],
  ["cannot create 'zfscsi/t/a': dataset already exists\n", 'exists'],
  ["cannot create snapshot 'zfscsi/t/a@s1': dataset already exists\n", 'exists'],
  ["cannot destroy 'zfscsi/t/m': dataset is busy\n", 'busy'],
  [
    "umount: /tmp/x/m: target is busy.\ncannot unmount '/tmp/x/m': umount failed: umount child process failed\n",
    'busy',
  ],
  [
    "cannot destroy 'zfscsi/t/a@s1': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nzfscsi/t/c\n",
    'dependents',
  ],
  [
    "cannot destroy 'zfscsi/t/a': filesystem has children\nuse '-r' to destroy the following datasets:\nzfscsi/t/a@s1\n",
    'dependents',
  ],
  ["cannot create 'zfscsi/t/r': out of space\n", 'no_space'],
  ["cannot set property for 'zfscsi/t/a': size is greater than available space\n", 'no_space'],
  ["cannot create 'zfscsi/t/x': invalid property 'bogus'\n", 'invalid'],
  ["cannot create 'zfscsi/t/x': invalid property 'sync'\n", 'invalid'],
  ["cannot create 'zfscsi/t/x': bad numeric value 'abc'\n", 'invalid'],
  ["cannot set property for 'zfscsi/t/a': 'compression' must be one of 'on | off | lzjb | gzip | gzip-[1-9] | zle'\n", 'invalid'],
  ["cannot set property for 'zfscsi/t/a': 'used' is readonly\n", 'invalid'],
  ["cannot set property for 'zfscsi/t/a': size is less than current used or reserved space\n", 'invalid'],
  ["cannot create 'zfscsi/t/x': 'recordsize' must be power of 2 from 512 to 128k\n", 'invalid'],
  ["cannot set property for 'zfscsi/t/a@s1': this property can not be modified for snapshots\n", 'invalid'],
  ["cannot create 'zfscsi/t/bad%name': invalid character % in name\n", 'invalid'],
  ["cannot open 'b=2': invalid dataset name\n", 'invalid'],
  ["cannot create 'zfscsi/t//x': empty component in name\n", 'invalid'],
  ["cannot create 'zfscsi/t/xxxx': name is too long\n", 'invalid'],
  ["cannot snapshot 'zfscsi/t/a@s@t': multiple '@' delimiters in name\n", 'invalid'],
  ["cannot mount 'zfscsi/t/a': no mountpoint set\n", 'invalid'],
  ["cannot mount 'zfscsi/t/b': 'canmount' property is set to 'off'\n", 'invalid'],
  ["missing '=' for -o option\n", 'invalid'],
  ["cannot open 'nosuchpool': no such pool\n", 'pool_unavailable'],
  ["cannot create 'nosuchpool/x': no such pool 'nosuchpool'\n", 'pool_unavailable'],
  [
    'connect: No such file or directory\nPlease make sure that the zfs-fuse daemon is running.\ninternal error: failed to initialize ZFS library\n',
    'pool_unavailable',
  ],
  ["unrecognized command 'version'\nusage: zfs command args ...\n", 'invalid'],
  ["cannot unmount 'zfscsi/t/a': not currently mounted\n", 'unknown'],
];

/** OpenZFS 2.x wordings (libzfs_util.c, libzfs_dataset.c, zfs_main.c, libzfs_core init). */
const OPENZFS: ReadonlyArray<readonly [string, ZfsErrorKind]> = [
  ["cannot open 'tank/missing': dataset does not exist\n", 'not_found'],
  ["cannot destroy 'tank/x': no such pool or dataset\n", 'not_found'],
  ['could not find any snapshots to destroy; check snapshot names.\n', 'not_found'],
  ["cannot create 'tank/a': dataset already exists\n", 'exists'],
  ["cannot destroy 'tank/a': pool or dataset is busy\n", 'busy'],
  ["cannot unmount '/mnt/a': pool or dataset is busy\n", 'busy'],
  [
    "cannot destroy 'tank/a': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\ntank/b\n",
    'dependents',
  ],
  ["cannot destroy snapshot tank/a@s: snapshot is cloned\n", 'dependents'],
  ["cannot create 'tank/a': out of space\n", 'no_space'],
  ["cannot open 'tank': no such pool\n", 'pool_unavailable'],
  ["cannot create 'tank/a': pool I/O is currently suspended\n", 'pool_unavailable'],
  [
    "The ZFS modules are not loaded.\nTry running 'modprobe zfs' as root to load them.\n",
    'pool_unavailable',
  ],
  ["cannot create 'tank/a%b': invalid character '%' in name\n", 'invalid'],
  ["cannot set property for 'tank/a': read-only property\n", 'invalid'],
  ["cannot create 'tank/a': invalid property value\n", 'invalid'],
  ["cannot create 'tank/a': property doesn't apply to datasets of this type\n", 'invalid'],
];

for (const [source, cases] of [['zfs-fuse', ZFS_FUSE], ['OpenZFS 2.x', OPENZFS]] as const) {
  test(`classifies ${source} messages`, () => {
    for (const [stderr, kind] of cases) assert.equal(classifyStderr(stderr), kind, stderr);
  });
}

test('a refused command line is invalid even though its usage text names properties', () => {
  const stderr = `bad property list: invalid property 'bogusprop'\n${ZFS_GET_USAGE.replace(/^missing property argument\n/, '')}`;
  assert.equal(classifyStderr(stderr), 'invalid');
  // The usage table alone must not match any row (it mentions quotas, snapshots and sizes).
  assert.equal(classifyStderr(ZFS_GET_USAGE.slice(ZFS_GET_USAGE.indexOf('usage:'))), 'unknown');
});

test('"no such pool or dataset" is not_found, a bare "no such pool" is pool_unavailable', () => {
  assert.equal(classifyStderr("cannot open 'x': no such pool or dataset"), 'not_found');
  assert.equal(classifyStderr("cannot open 'x': no such pool"), 'pool_unavailable');
});

test('summarizeStderr joins the message lines and drops usage text', () => {
  assert.equal(
    summarizeStderr('connect: No such file or directory\nPlease make sure that the zfs-fuse daemon is running.\n'),
    'connect: No such file or directory; Please make sure that the zfs-fuse daemon is running.',
  );
  assert.equal(summarizeStderr(ZFS_GET_USAGE), 'missing property argument');
  assert.equal(summarizeStderr('x'.repeat(600), 20).length, 20);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeCapabilities } from '../../src/zfs/probe.js';
import { ZfsError } from '../../src/zfs/errors.js';
import { FakeRunner } from './fake-runner.js';
import { ZFS_GET_USAGE, ZPOOL_UPGRADE_V } from './fixtures.js';

const paths = { zfsPath: '/sbin/zfs', zpoolPath: '/sbin/zpool' };
const ZFS_FUSE_VERSION = "unrecognized command 'version'\nusage: zfs command args ...\n";
const DAEMON_DOWN =
  'connect: No such file or directory\nPlease make sure that the zfs-fuse daemon is running.\ninternal error: failed to initialize ZFS library\n';

test('zfs-fuse: version refused, pool version from zpool upgrade -v, one property per set, no sync', async () => {
  const runner = new FakeRunner([
    ['/sbin/zfs version', { stderr: ZFS_FUSE_VERSION }],
    ['/sbin/zfs get', { stderr: ZFS_GET_USAGE }],
    ['/sbin/zpool upgrade -v', { stdout: ZPOOL_UPGRADE_V }],
  ]);
  const caps = await probeCapabilities(runner, paths);
  assert.equal(caps.implementation, 'zfs-fuse');
  assert.equal(caps.version, 'pool-23');
  assert.equal(caps.multiSet, false);
  assert.equal(caps.properties.has('refquota'), true);
  assert.equal(caps.properties.has('sync'), false);
});

test('OpenZFS: version parsed, multiSet', async () => {
  const table = `missing property argument\nusage:\n\tget ...\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n\tavailable        NO       NO   <size>\n\tsync            YES      YES   standard | always | disabled\n\twritten@<snap>   NO       NO   <size>\n`;
  const runner = new FakeRunner([
    ['/sbin/zfs version', { stdout: 'zfs-2.2.2-0ubuntu9\nzfs-kmod-2.2.2-0ubuntu9\n' }],
    ['/sbin/zfs get', { stderr: table }],
  ]);
  const caps = await probeCapabilities(runner, paths);
  assert.deepEqual(
    { ...caps, properties: [...caps.properties] },
    { implementation: 'openzfs', version: '2.2.2-0ubuntu9', multiSet: true, properties: ['available', 'sync'] },
  );
  assert.equal(runner.calls.some((c) => c.includes('zpool')), false);
});

test('a daemon that does not answer is an error, not a guess', async () => {
  const runner = new FakeRunner([['/sbin/zfs', { stderr: DAEMON_DOWN }]]);
  await assert.rejects(probeCapabilities(runner, paths), (err: unknown) => err instanceof ZfsError && err.kind === 'pool_unavailable');
});

test('no property table is an error', async () => {
  const runner = new FakeRunner([
    ['/sbin/zfs version', { stderr: ZFS_FUSE_VERSION }],
    ['/sbin/zfs get', { stderr: 'missing property argument\n' }],
  ]);
  await assert.rejects(probeCapabilities(runner, paths), (err: unknown) => err instanceof ZfsError && err.kind === 'unknown');
});

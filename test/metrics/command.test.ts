import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandSample, subcommandOf } from '../../src/metrics/command.js';

test('the subcommand is the first argument after the binary', () => {
  assert.equal(subcommandOf(['/sbin/zfs', 'create', '-o', 'refquota=1', 'tank/csi/v1']), 'create');
  assert.equal(subcommandOf(['/sbin/zfs', 'get', '-Hp', '-o', 'name,property,value,source', 'used', 'tank/csi']), 'get');
});

test('a prefix such as chroot /host or nsenter is skipped before the binary', () => {
  assert.equal(subcommandOf(['chroot', '/host', '/sbin/zfs', 'destroy', '-d', 'tank/csi/v1@s1'], ['chroot', '/host']), 'destroy');
  const nsenter = ['nsenter', '-t', '1', '-m', '--'];
  assert.equal(subcommandOf([...nsenter, '/usr/sbin/zfs', 'snapshot', 'tank/csi/v1@s1'], nsenter), 'snapshot');
});

test('a wrapper between prefix and binary (zfs-fuse flock) is skipped too', () => {
  const flock = ['/usr/bin/flock', '/run/zfs-csi-zfs-fuse.lock'];
  assert.equal(subcommandOf([...flock, '/sbin/zfs', 'create', '-o', 'mountpoint=/m/v1', 'tank/csi/v1']), 'create');
  assert.equal(subcommandOf(['chroot', '/host', ...flock, '/sbin/zfs', 'mount', 'tank/zfs'], ['chroot', '/host']), 'mount');
});

test('configured binary paths with other basenames are found by their exact path', () => {
  const binaries = { zfs: '/opt/openzfs/bin/zfs-2.2', zpool: '/opt/openzfs/bin/zpool-2.2' };
  assert.equal(subcommandOf(['/opt/openzfs/bin/zfs-2.2', 'snapshot', 'tank/a@s'], [], binaries), 'snapshot');
  assert.equal(subcommandOf(['/opt/openzfs/bin/zpool-2.2', 'list', 'tank'], [], binaries), 'zpool list');
  // Unknown without the configuration: not guessed.
  assert.equal(subcommandOf(['/opt/openzfs/bin/zfs-2.2', 'snapshot', 'tank/a@s']), 'other');
});

test('zpool commands are named with their binary, so zpool list and zfs list stay apart', () => {
  assert.equal(subcommandOf(['/sbin/zpool', 'list', '-H', '-o', 'name,health', 'tank']), 'zpool list');
  assert.equal(subcommandOf(['chroot', '/host', '/sbin/zpool', 'upgrade', '-v'], ['chroot', '/host']), 'zpool upgrade');
});

test('labels stay bounded: no subcommand, or something that is not one, is "other"', () => {
  assert.equal(subcommandOf(['/sbin/zfs']), 'other');
  assert.equal(subcommandOf([]), 'other');
  assert.equal(subcommandOf(['/sbin/zfs', 'tank/csi/pvc-1234']), 'other');
  assert.equal(subcommandOf(['/sbin/zfs', '-?']), 'other');
  // A prefix that does not match is not skipped blindly; the binary is still found.
  assert.equal(subcommandOf(['/sbin/zfs', 'mount', 'tank/x'], ['chroot', '/host']), 'mount');
  assert.equal(subcommandOf(['/bin/true', 'create']), 'other');
});

test('a command event becomes subcommand, outcome, error class and seconds', () => {
  assert.deepEqual(commandSample({ argv: ['/sbin/zfs', 'create', 'tank/a'], durationMs: 250, ok: true }), {
    subcommand: 'create', outcome: 'ok', errorClass: undefined, seconds: 0.25,
  });
  assert.deepEqual(
    commandSample({ argv: ['chroot', '/host', '/sbin/zfs', 'destroy', 'tank/a'], durationMs: 40, ok: false, kind: 'busy' }, ['chroot', '/host']),
    { subcommand: 'destroy', outcome: 'error', errorClass: 'busy', seconds: 0.04 },
  );
  // A failure without a kind is still counted, as unknown.
  assert.equal(commandSample({ argv: ['/sbin/zfs', 'set', 'a=b', 'tank/a'], durationMs: 1, ok: false }).errorClass, 'unknown');
});

/**
 * `ctl import` (docs/import.md) without a driver: the request it builds from its command line, how the answer
 * reads, and the admin API's decoding of the request body.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImportRequest } from '../../src/app/admin-imports.js';
import { commandUsage } from '../../src/app/ctl/command.js';
import { parseFlags, UsageError } from '../../src/app/ctl/flags.js';
import { decodeImported, importBody, importCommands, importText } from '../../src/app/ctl/import-commands.js';
import { runCtl } from '../../src/app/ctl/main.js';
import { DriverError } from '../../src/domain/errors.js';

const command = importCommands[0];
assert.ok(command);
const body = (argv: string[]) => importBody(parseFlags(command.flags, argv, true));

test('the dataset is the one positional argument; --name and --size are passed on as given', () => {
  assert.deepEqual(body(['tank/csi/db']), { dataset: 'tank/csi/db' });
  assert.deepEqual(body(['--size', '1.5Gi', 'tank/csi/db', '--name', 'db']), { dataset: 'tank/csi/db', name: 'db', sizeBytes: String(3n << 29n) });
  assert.throws(() => body([]), (e: unknown) => e instanceof UsageError && /dataset to import is required/.test(e.message));
  assert.throws(() => body(['a/b/c', 'a/b/d']), (e: unknown) => e instanceof UsageError && /one dataset at a time/.test(e.message));
  assert.throws(() => body(['a/b/c', '--size', '0']), (e: unknown) => e instanceof UsageError && /--size must be more than 0/.test(e.message));
  assert.throws(() => parseFlags(command.flags, ['a/b/c', '--force'], true), UsageError);
});

test('other commands still refuse positional arguments: a stray word is a usage error, exit 2', async () => {
  const err: string[] = [];
  const code = await runCtl(['get-volume', 'vol-x', '--volume-id', 'vol-x'], { out: () => undefined, err: (t) => err.push(t), env: {} });
  assert.equal(code, 2);
  assert.match(err.join(''), /Unexpected argument 'vol-x'/);
});

test('usage names the positional argument; the answer reads as a block, volume ID first', () => {
  assert.match(commandUsage(command), /^Usage: zfs-csi ctl import DATASET \[flags\]/);
  const answer = decodeImported({
    volumeId: 'vol-3k7qzv2mrm5xw4dc6ayh', name: 'pgdata', dataset: 'tank/csi/pgdata', capacityBytes: String(20n << 30n),
    mountpoint: '/var/lib/zfs-csi/mounts/vol-3k7qzv2mrm5xw4dc6ayh', node: 'n1',
  });
  assert.equal(importText(answer), [
    'volume_id:  vol-3k7qzv2mrm5xw4dc6ayh',
    'name:       pgdata',
    'dataset:    tank/csi/pgdata',
    'capacity:   20.0 GiB (21474836480)',
    'mountpoint: /var/lib/zfs-csi/mounts/vol-3k7qzv2mrm5xw4dc6ayh',
    'node:       n1',
  ].join('\n'));
  assert.throws(() => decodeImported({ volumeId: 'vol-x' }), /has no name/);
});

test('the admin API decodes the body strictly: dataset required, sizes as decimal strings', () => {
  assert.deepEqual(decodeImportRequest({ dataset: 'tank/csi/db', sizeBytes: '1024', name: 'db' }), { dataset: 'tank/csi/db', sizeBytes: 1024n, name: 'db' });
  for (const [bad, pattern] of [
    [{}, /dataset is required/], [{ dataset: 'a/b', sizeBytes: 1024 }, /decimal string/], [{ dataset: 'a/b', sizeBytes: '-1' }, /decimal string/],
    [{ dataset: 'a/b', name: 7 }, /name must be a string/], [null, /dataset is required/],
  ] as const) {
    assert.throws(() => decodeImportRequest(bad), (e: unknown) => e instanceof DriverError && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message));
  }
});

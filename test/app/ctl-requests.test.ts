import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/app/ctl/command.js';
import { buildCapacity } from '../../src/app/ctl/controller-info-commands.js';
import { parseFlags, splitCommand, UsageError, type FlagSpecs } from '../../src/app/ctl/flags.js';
import { buildNodeExpand, buildPublish, nodeCommands } from '../../src/app/ctl/node-commands.js';
import { buildListSnapshots, snapshotCommands } from '../../src/app/ctl/snapshot-commands.js';
import { buildCreateVolume, buildExpandVolume, buildListVolumes, buildModifyVolume, buildValidate, volumeCommands } from '../../src/app/ctl/volume-commands.js';
import { COMMANDS } from '../../src/app/ctl/commands.js';
import { connectionOf } from '../../src/app/ctl/main.js';

const flagsOf = (commands: readonly Command[], name: string): FlagSpecs => {
  const command = commands.find((c) => c.name === name);
  assert.ok(command, name);
  return command.flags;
};
const volumeFlags = (name: string, argv: string[]) => parseFlags(flagsOf(volumeCommands, name), argv);
const GI = (1n << 30n).toString();
const mountCap = (mode: string) => ({ mount: { fs_type: '', mount_flags: [] }, access_mode: { mode } });

test('create-volume: name, size, params, default access mode, no source, no topology', () => {
  const req = buildCreateVolume(volumeFlags('create-volume', ['--name', 'pvc-1', '--size', '1Gi', '--param', 'compression=lz4', '--param', 'atime=off']));
  assert.deepEqual(req, {
    name: 'pvc-1',
    capacity_range: { required_bytes: GI, limit_bytes: '0' },
    volume_capabilities: [mountCap('SINGLE_NODE_WRITER')],
    parameters: { compression: 'lz4', atime: 'off' },
    mutable_parameters: {},
    volume_content_source: null,
    accessibility_requirements: null,
  });
});

test('create-volume: from a snapshot, on a node, with a limit and another access mode', () => {
  const req = buildCreateVolume(
    volumeFlags('create-volume', ['--name=r', '--from-snapshot', 'snap-1', '--node', 'n1', '--limit-size', '2Gi', '--access-mode', 'single-node-single-writer']),
  );
  assert.deepEqual(req.volume_content_source, { snapshot: { snapshot_id: 'snap-1' } });
  assert.deepEqual(req.accessibility_requirements, { requisite: [], preferred: [{ segments: { 'zfs.csi.dev/node': 'n1' } }] });
  assert.deepEqual(req.capacity_range, { required_bytes: '0', limit_bytes: (2n << 30n).toString() });
  assert.deepEqual(req.volume_capabilities, [mountCap('SINGLE_NODE_SINGLE_WRITER')]);
  const clone = buildCreateVolume(volumeFlags('create-volume', ['--name', 'c', '--from-volume', 'vol-1']));
  assert.deepEqual(clone.volume_content_source, { volume: { volume_id: 'vol-1' } });
  assert.equal(clone.capacity_range, null);
});

test('modify-volume and the mutable parameters of create-volume and validate', () => {
  const flags = volumeFlags('modify-volume', ['--volume-id', 'vol-1', '--mutable-param', 'compression=zstd', '--mutable-param', 'recordsize=1M']);
  assert.deepEqual(buildModifyVolume(flags), { volume_id: 'vol-1', mutable_parameters: { compression: 'zstd', recordsize: '1M' } });
  assert.throws(() => buildModifyVolume(volumeFlags('modify-volume', ['--volume-id', 'vol-1'])), /at least one --mutable-param/);
  assert.throws(() => buildModifyVolume(volumeFlags('modify-volume', ['--mutable-param', 'atime=off'])), /--volume-id is required/);
  const create = buildCreateVolume(volumeFlags('create-volume', ['--name', 'x', '--mutable-param', 'sync=always']));
  assert.deepEqual(create.mutable_parameters, { sync: 'always' });
  const validate = buildValidate(volumeFlags('validate-volume-capabilities', ['--volume-id', 'v', '--mutable-param', 'atime=on']));
  assert.deepEqual(validate.mutable_parameters, { atime: 'on' });
});

test('create-volume: bad combinations are usage errors', () => {
  const bad: string[][] = [
    ['--size', '1Gi'],
    ['--name', 'x', '--from-snapshot', 's', '--from-volume', 'v'],
    ['--name', 'x', '--size', 'lots'],
    ['--name', 'x', '--size', '2Gi', '--limit-size', '1Gi'],
    ['--name', 'x', '--param', 'compression'],
    ['--name', 'x', '--param', 'a=1', '--param', 'a=2'],
    ['--name', 'x', '--access-mode', 'rwx'],
  ];
  for (const argv of bad) assert.throws(() => buildCreateVolume(volumeFlags('create-volume', argv)), UsageError, argv.join(' '));
  assert.throws(() => volumeFlags('create-volume', ['--name', 'x', '--bogus']), UsageError);
  assert.throws(() => volumeFlags('create-volume', ['positional']), UsageError);
});

test('expand-volume, list-volumes, validate', () => {
  assert.deepEqual(buildExpandVolume(volumeFlags('expand-volume', ['--volume-id', 'v', '--size', '2Gi'])), {
    volume_id: 'v',
    capacity_range: { required_bytes: (2n << 30n).toString(), limit_bytes: '0' },
  });
  assert.throws(() => buildExpandVolume(volumeFlags('expand-volume', ['--volume-id', 'v'])), /--size is required/);
  assert.deepEqual(buildListVolumes(volumeFlags('list-volumes', [])), { max_entries: 0, starting_token: '' });
  assert.deepEqual(buildListVolumes(volumeFlags('list-volumes', ['--max-entries', '5', '--starting-token', 't1'])), { max_entries: 5, starting_token: 't1' });
  assert.throws(() => buildListVolumes(volumeFlags('list-volumes', ['--max-entries', '-1'])), UsageError);
  assert.throws(() => buildListVolumes(volumeFlags('list-volumes', ['--max-entries', '2.5'])), UsageError);
  assert.deepEqual(buildValidate(volumeFlags('validate-volume-capabilities', ['--volume-id', 'v', '--access-mode', 'MULTI_NODE_MULTI_WRITER'])), {
    volume_id: 'v',
    volume_capabilities: [mountCap('MULTI_NODE_MULTI_WRITER')],
    parameters: {},
    mutable_parameters: {},
  });
});

test('snapshot commands: filters and paging; required IDs', () => {
  const flags = parseFlags(flagsOf(snapshotCommands, 'list-snapshots'), ['--source-volume-id', 'v1', '--max-entries', '2']);
  assert.deepEqual(buildListSnapshots(flags), { max_entries: 2, starting_token: '', source_volume_id: 'v1', snapshot_id: '' });
  const create = snapshotCommands.find((c) => c.name === 'create-snapshot');
  assert.ok(create);
  assert.throws(() => create.prepare(parseFlags(create.flags, ['--name', 's'])), /--source-volume-id is required/);
});

test('node commands: publish capability and readonly, node-expand with and without a size', () => {
  const publish = parseFlags(flagsOf(nodeCommands, 'publish'), ['--volume-id', 'v', '--target', '/mnt/t', '--readonly']);
  assert.deepEqual(buildPublish(publish), {
    volume_id: 'v',
    target_path: '/mnt/t',
    volume_capability: mountCap('SINGLE_NODE_WRITER'),
    readonly: true,
  });
  const expand = (argv: string[]) => buildNodeExpand(parseFlags(flagsOf(nodeCommands, 'node-expand'), argv));
  assert.deepEqual(expand(['--volume-id', 'v', '--path', '/p']), { volume_id: 'v', volume_path: '/p', capacity_range: null });
  assert.deepEqual(expand(['--volume-id', 'v', '--path', '/p', '--size', '3Gi']).capacity_range, { required_bytes: (3n << 30n).toString(), limit_bytes: '0' });
  assert.throws(() => expand(['--volume-id', 'v']), /--path is required/);
});

test('capacity: node topology and parameters', () => {
  const flags = parseFlags({ node: { type: 'string', help: '' }, param: { type: 'string', multiple: true, help: '' } }, ['--node', 'n1', '--param', 'parentDataset=p/x']);
  assert.deepEqual(buildCapacity(flags), {
    volume_capabilities: [],
    parameters: { parentDataset: 'p/x' },
    accessible_topology: { segments: { 'zfs.csi.dev/node': 'n1' } },
  });
});

test('every command builds without its required flags only by failing with a UsageError', () => {
  for (const command of COMMANDS) {
    const required = Object.entries(command.flags).filter(([, s]) => s.required);
    // A command's positional argument (`import DATASET`) is required too.
    if (required.length === 0 && command.positional === undefined) {
      assert.doesNotThrow(() => command.prepare(parseFlags(command.flags, [])), command.name);
    } else {
      assert.throws(() => command.prepare(parseFlags(command.flags, [])), UsageError, command.name);
    }
  }
});

test('global flags: before or after the command; endpoint from flag, env or default; timeout', () => {
  assert.deepEqual(splitCommand(['--endpoint', 'unix:///a.sock', '--json', 'probe', '--timeout', '3']), {
    command: 'probe',
    args: ['--endpoint', 'unix:///a.sock', '--json', '--timeout', '3'],
  });
  assert.deepEqual(splitCommand(['--endpoint=unix:///a.sock', 'probe']), { command: 'probe', args: ['--endpoint=unix:///a.sock'] });
  assert.deepEqual(splitCommand(['--json']), { command: undefined, args: ['--json'] });
  const conn = (argv: string[], env: NodeJS.ProcessEnv = {}) => connectionOf(parseFlags({}, argv), env);
  assert.deepEqual(conn([]), { endpoint: 'unix:///run/zfs-csi/csi.sock', deadlineMs: 30_000 });
  assert.deepEqual(conn([], { CSI_ENDPOINT: 'unix:///env.sock' }), { endpoint: 'unix:///env.sock', deadlineMs: 30_000 });
  assert.deepEqual(conn(['--endpoint', 'unix:///f.sock', '--timeout', '2.5'], { CSI_ENDPOINT: 'unix:///env.sock' }), { endpoint: 'unix:///f.sock', deadlineMs: 2500 });
  assert.throws(() => conn(['--endpoint', 'tcp://host:1']), UsageError);
  assert.throws(() => conn(['--timeout', '0']), UsageError);
  assert.throws(() => conn(['--timeout', 'soon']), UsageError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capacityText } from '../../src/app/ctl/controller-info-commands.js';
import { pluginCapabilityName, probeText } from '../../src/app/ctl/identity-commands.js';
import { errorLine, runCtl, type CtlIo } from '../../src/app/ctl/main.js';
import { nodeInfoText, statsText } from '../../src/app/ctl/node-commands.js';
import { snapshotTable, snapshotText } from '../../src/app/ctl/snapshot-commands.js';
import { validateText } from '../../src/app/ctl/volume-commands.js';
import { volumeTable, volumeText } from '../../src/app/ctl/volume-format.js';
import { CsiCallError } from '../../src/grpc/client.js';
import { DriverError } from '../../src/domain/errors.js';
import { status } from '@grpc/grpc-js';

const volume = {
  volume_id: 'vol-abc',
  capacity_bytes: '1073741824',
  volume_context: {},
  content_source: { snapshot: { snapshot_id: 'snap-1' } },
  accessible_topology: [{ segments: { 'zfs.csi.dev/node': 'n1' } }],
};

test('a volume reads as a block with a human size', () => {
  assert.equal(
    volumeText(volume),
    ['volume_id: vol-abc', 'capacity:  1.0 GiB (1073741824)', 'source:    snapshot snap-1', 'topology:  zfs.csi.dev/node=n1', 'context:   -'].join('\n'),
  );
  const withStatus = volumeText({ ...volume, capacity_bytes: '0' }, { published_node_ids: ['n1'], volume_condition: null });
  assert.match(withStatus, /^capacity: +unknown$/m);
  assert.match(withStatus, /^published_on: n1$/m);
});

test('volumes and snapshots list as tables, with the next token when there is one', () => {
  const text = volumeTable({ entries: [{ volume, status: { published_node_ids: [], volume_condition: { abnormal: false, message: '' } } }], next_token: 'vol-abc' });
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^VOLUME ID +CAPACITY +SOURCE +TOPOLOGY +PUBLISHED ON +CONDITION$/);
  assert.match(lines[1] ?? '', /^vol-abc +1\.0 GiB \(1073741824\) +snapshot snap-1 +zfs\.csi\.dev\/node=n1 +- +ok$/);
  assert.equal(lines[2], 'next token: vol-abc');
  assert.equal(volumeTable({ entries: [], next_token: '' }), '(no volumes)');
  const snapshot = { snapshot_id: 's1', source_volume_id: 'v1', size_bytes: '2048', creation_time: { seconds: '0', nanos: 0 }, ready_to_use: true, group_snapshot_id: '' };
  assert.match(snapshotTable({ entries: [{ snapshot }], next_token: '' }), /\ns1 +v1 +2\.0 KiB \(2048\) +1970-01-01T00:00:00\.000Z +true$/);
  assert.match(snapshotText(snapshot), /^ready_to_use: +true$/m);
});

test('identity, capacity, stats, node info and validation texts', () => {
  assert.equal(probeText({ ready: { value: false } }), 'ready: false');
  assert.match(probeText({ ready: null }), /^ready: true/);
  assert.equal(pluginCapabilityName({ service: { type: 'CONTROLLER_SERVICE' }, type: 'service' }), 'service: CONTROLLER_SERVICE');
  assert.equal(pluginCapabilityName({ volume_expansion: { type: 'ONLINE' }, type: 'volume_expansion' }), 'volume_expansion: ONLINE');
  assert.equal(
    capacityText({ available_capacity: '8589934592', maximum_volume_size: { value: '8589934592' }, minimum_volume_size: null }),
    'available:           8.0 GiB (8589934592)\nmaximum_volume_size: 8.0 GiB (8589934592)\nminimum_volume_size: -',
  );
  const stats = statsText({
    usage: [
      { unit: 'BYTES', used: '1048576', available: '1072693248', total: '1073741824' },
      { unit: 'INODES', used: '7', available: '100', total: '107' },
    ],
    volume_condition: null,
  });
  assert.match(stats, /^BYTES +1\.0 MiB \(1048576\) +1023\.0 MiB \(1072693248\) +1\.0 GiB \(1073741824\)$/m);
  assert.match(stats, /^INODES +7 +100 +107$/m);
  assert.match(nodeInfoText({ node_id: 'n1', max_volumes_per_node: '0', accessible_topology: { segments: { 'zfs.csi.dev/node': 'n1' } } }), /max_volumes_per_node: unlimited\ntopology: +zfs\.csi\.dev\/node=n1/);
  assert.match(validateText({ confirmed: null, message: 'block volumes are not supported' }), /confirmed: no\nmessage: +block volumes/);
});

test('errors print as CODE: details', () => {
  assert.equal(errorLine(new CsiCallError('DeleteVolume', status.NOT_FOUND, 'volume x not found')), 'error: NOT_FOUND: volume x not found');
  assert.equal(errorLine(new CsiCallError('Probe', status.UNAVAILABLE, 'No connection established. Resolution note: ')), 'error: UNAVAILABLE: No connection established.');
  assert.equal(errorLine(new DriverError('ABORTED', 'busy')), 'error: ABORTED: busy');
});

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CtlIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env };
  return { io, out, err };
}

test('runCtl: help exits 0, usage problems exit 2 without dialing the driver', async () => {
  const help = capture();
  assert.equal(await runCtl(['--help'], help.io), 0);
  assert.match(help.out.join(''), /create-volume +CreateVolume/);
  const cmdHelp = capture();
  assert.equal(await runCtl(['publish', '--help'], cmdHelp.io), 0);
  assert.match(cmdHelp.out.join(''), /Usage: zfs-csi ctl publish[\s\S]*--target DIR/);
  const none = capture();
  assert.equal(await runCtl([], none.io), 2);
  assert.match(none.err.join(''), /Usage: zfs-csi ctl/);
  const unknown = capture();
  assert.equal(await runCtl(['make-coffee'], unknown.io), 2);
  assert.match(unknown.err.join(''), /unknown command "make-coffee"/);
  const missing = capture();
  assert.equal(await runCtl(['delete-volume'], missing.io), 2);
  assert.match(missing.err.join(''), /^zfs-csi ctl delete-volume: --volume-id is required\n\nUsage: zfs-csi ctl delete-volume/);
  const badEndpoint = capture({ CSI_ENDPOINT: 'relative.sock' });
  assert.equal(await runCtl(['probe'], badEndpoint.io), 2);
  assert.match(badEndpoint.err.join(''), /--endpoint/);
});

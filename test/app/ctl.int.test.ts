// `zfs-csi ctl` end to end: the real CLI process (dist/src/app/main.js) against the real gRPC server
// (startServer) with fake services that record what they receive. No ZFS needed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import winston from 'winston';
import { DriverError } from '../../src/domain/errors.js';
import type { ControllerExpandVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/ControllerExpandVolumeRequest.js';
import type { ControllerModifyVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/ControllerModifyVolumeRequest.js';
import type { CreateVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { DeleteVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/DeleteVolumeRequest.js';
import type { ListVolumesRequest__Output } from '../../src/grpc/gen/csi/v1/ListVolumesRequest.js';
import type { NodeGetVolumeStatsRequest__Output } from '../../src/grpc/gen/csi/v1/NodeGetVolumeStatsRequest.js';
import type { NodePublishVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/NodePublishVolumeRequest.js';
import type { CallContext, MethodSpec, ServiceImpl } from '../../src/grpc/handler.js';
import { packageRoot } from '../../src/grpc/load.js';
import { startServer, type RunningServer } from '../../src/grpc/server.js';

const MAIN = join(packageRoot, 'dist', 'src', 'app', 'main.js');
const GI = '1073741824';
const scratch = mkdtempSync(join(tmpdir(), 'zfs-csi-ctl-'));
const endpoint = `unix://${join(scratch, 'csi.sock')}`;

/** Every request the fake services received, by method. */
const received = new Map<string, unknown[]>();
function spec<Req>(method: string, handle: (req: Req, ctx: CallContext) => Promise<unknown>): MethodSpec<Req, unknown> {
  return {
    handle: (req, ctx) => {
      received.set(method, [...(received.get(method) ?? []), req]);
      return handle(req, ctx);
    },
  };
}

const volume = (id: string, bytes: string) => ({
  volume_id: id,
  capacity_bytes: bytes,
  accessible_topology: [{ segments: { 'zfs.csi.dev/node': 'n1' } }],
});

const identity: ServiceImpl = {
  GetPluginInfo: spec('GetPluginInfo', async () => ({ name: 'zfs.csi.dev', vendor_version: '9.9.9' })),
  Probe: spec('Probe', async () => ({ ready: { value: true } })),
};
const controller: ServiceImpl = {
  CreateVolume: spec('CreateVolume', async (req: CreateVolumeRequest__Output) => ({
    volume: volume(`vol-${req.name}`, req.capacity_range?.required_bytes ?? '0'),
  })),
  DeleteVolume: spec('DeleteVolume', async (req: DeleteVolumeRequest__Output) => {
    throw new DriverError('FAILED_PRECONDITION', `volume ${req.volume_id} is published at /mnt/x`);
  }),
  ListVolumes: spec('ListVolumes', async (req: ListVolumesRequest__Output) => ({
    entries: [{ volume: volume('vol-a', GI), status: { published_node_ids: ['n1'] } }],
    next_token: req.max_entries === 1 ? 'vol-a' : '',
  })),
  ControllerGetVolume: spec('ControllerGetVolume', async () => {
    throw new DriverError('NOT_FOUND', 'volume vol-missing does not exist');
  }),
  ControllerModifyVolume: spec('ControllerModifyVolume', async (req: ControllerModifyVolumeRequest__Output) => {
    if ('casesensitivity' in req.mutable_parameters) throw new DriverError('INVALID_ARGUMENT', 'casesensitivity is not mutable');
    return {};
  }),
  // Holds the call until the client's deadline aborts it.
  ControllerExpandVolume: spec('ControllerExpandVolume', (_req: ControllerExpandVolumeRequest__Output, ctx) =>
    new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
  ),
};
const node: ServiceImpl = {
  NodePublishVolume: spec('NodePublishVolume', async (_req: NodePublishVolumeRequest__Output) => ({})),
  NodeGetVolumeStats: spec('NodeGetVolumeStats', async (_req: NodeGetVolumeStatsRequest__Output) => ({
    usage: [
      { unit: 'BYTES', used: '1048576', available: '1072693248', total: GI },
      { unit: 'INODES', used: '7', available: '93', total: '100' },
    ],
  })),
};

let server: RunningServer;
before(async () => {
  server = await startServer({
    endpoint,
    services: { Identity: identity, Controller: controller, Node: node },
    log: winston.createLogger({ silent: true }),
  });
});
after(async () => {
  await server.drain(1000);
  rmSync(scratch, { recursive: true, force: true });
});

function ctl(args: readonly string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [MAIN, 'ctl', ...args], { reject: false, env: { CSI_ENDPOINT: endpoint, ...env } });
}

test('probe and plugin-info read well, and --json is the response message', async () => {
  const probe = await ctl(['probe']);
  assert.equal(probe.exitCode, 0, probe.stderr);
  assert.equal(probe.stdout, 'ready: true');
  const info = await ctl(['plugin-info', '--json', '--endpoint', endpoint], { CSI_ENDPOINT: 'unix:///nowhere.sock' });
  assert.equal(info.exitCode, 0, info.stderr);
  const parsed: unknown = JSON.parse(info.stdout);
  assert.deepEqual(parsed, { name: 'zfs.csi.dev', vendor_version: '9.9.9', manifest: {} });
});

test('create-volume sends the request the flags describe and prints the volume', async () => {
  const res = await ctl(['create-volume', '--name', 'data', '--size', '1Gi', '--param', 'compression=lz4', '--node', 'n1']);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.match(res.stdout, /^volume_id: +vol-data$/m);
  assert.match(res.stdout, /^capacity: +1\.0 GiB \(1073741824\)$/m);
  const req = received.get('CreateVolume')?.at(-1) as CreateVolumeRequest__Output;
  assert.equal(req.name, 'data');
  assert.equal(req.capacity_range?.required_bytes, GI);
  assert.deepEqual(req.parameters, { compression: 'lz4' });
  assert.equal(req.volume_capabilities[0]?.access_mode?.mode, 'SINGLE_NODE_WRITER');
  assert.ok(req.volume_capabilities[0]?.mount, 'a mount capability');
  assert.deepEqual(req.accessibility_requirements?.preferred, [{ segments: { 'zfs.csi.dev/node': 'n1' } }]);
});

test('modify-volume sends the mutable parameters and reports the driver refusing one', async () => {
  const res = await ctl(['modify-volume', '--volume-id', 'vol-a', '--mutable-param', 'compression=zstd', '--mutable-param', 'atime=off']);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.equal(res.stdout, 'modified volume vol-a: atime=off, compression=zstd');
  const req = received.get('ControllerModifyVolume')?.at(-1) as ControllerModifyVolumeRequest__Output;
  assert.equal(req.volume_id, 'vol-a');
  assert.deepEqual(req.mutable_parameters, { compression: 'zstd', atime: 'off' });
  const refused = await ctl(['modify-volume', '--volume-id', 'vol-a', '--mutable-param', 'casesensitivity=mixed']);
  assert.equal(refused.exitCode, 1);
  assert.equal(refused.stderr, 'error: INVALID_ARGUMENT: casesensitivity is not mutable');
  const before = received.get('ControllerModifyVolume')?.length;
  const usage = await ctl(['modify-volume', '--volume-id', 'vol-a']);
  assert.equal(usage.exitCode, 2);
  assert.equal(received.get('ControllerModifyVolume')?.length, before, 'no call without a parameter');
});

test('list-volumes prints a table and the next token', async () => {
  const res = await ctl(['list-volumes', '--max-entries', '1']);
  assert.equal(res.exitCode, 0, res.stderr);
  const [header, row, token] = res.stdout.split('\n');
  assert.match(header ?? '', /^VOLUME ID +CAPACITY/);
  assert.match(row ?? '', /^vol-a +1\.0 GiB \(1073741824\) +- +zfs\.csi\.dev\/node=n1 +n1 +-$/);
  assert.equal(token, 'next token: vol-a');
  assert.equal((received.get('ListVolumes')?.at(-1) as ListVolumesRequest__Output).max_entries, 1);
});

test('publish and stats on the node service', async () => {
  const pub = await ctl(['publish', '--volume-id', 'vol-a', '--target', '/mnt/t', '--readonly']);
  assert.equal(pub.exitCode, 0, pub.stderr);
  assert.equal(pub.stdout, 'published vol-a at /mnt/t (read-only)');
  const req = received.get('NodePublishVolume')?.at(-1) as NodePublishVolumeRequest__Output;
  assert.equal(req.readonly, true);
  assert.equal(req.target_path, '/mnt/t');
  const stats = await ctl(['stats', '--volume-id', 'vol-a', '--path', '/mnt/t']);
  assert.equal(stats.exitCode, 0, stats.stderr);
  assert.match(stats.stdout, /^BYTES +1\.0 MiB \(1048576\) +1023\.0 MiB \(1072693248\) +1\.0 GiB \(1073741824\)$/m);
  assert.match(stats.stdout, /^INODES +7 +93 +100$/m);
});

test('a gRPC error prints error: CODE: details on stderr and exits 1', async () => {
  const del = await ctl(['delete-volume', '--volume-id', 'vol-a']);
  assert.equal(del.exitCode, 1);
  assert.equal(del.stdout, '');
  assert.equal(del.stderr, 'error: FAILED_PRECONDITION: volume vol-a is published at /mnt/x');
  const get = await ctl(['get-volume', '--volume-id', 'vol-missing', '--json']);
  assert.equal(get.exitCode, 1);
  assert.equal(get.stderr, 'error: NOT_FOUND: volume vol-missing does not exist');
  const unimplemented = await ctl(['node-info']);
  assert.equal(unimplemented.exitCode, 1);
  assert.match(unimplemented.stderr, /^error: UNIMPLEMENTED: /);
});

test('--timeout bounds the call: DEADLINE_EXCEEDED, exit 1', async () => {
  const started = Date.now();
  const res = await ctl(['expand-volume', '--volume-id', 'vol-a', '--size', '2Gi', '--timeout', '0.5']);
  assert.equal(res.exitCode, 1);
  assert.match(res.stderr, /^error: DEADLINE_EXCEEDED: /);
  assert.ok(Date.now() - started < 10_000, 'returned soon after the deadline');
  const req = received.get('ControllerExpandVolume')?.at(-1) as ControllerExpandVolumeRequest__Output;
  assert.equal(req.capacity_range?.required_bytes, (2n << 30n).toString());
});

test('bad flags print the command usage and exit 2 without calling the driver', async () => {
  const before = received.get('CreateVolume')?.length ?? 0;
  const res = await ctl(['create-volume', '--name', 'x', '--size', 'huge']);
  assert.equal(res.exitCode, 2);
  assert.match(res.stderr, /^zfs-csi ctl create-volume: --size: "huge" is not a size/);
  assert.match(res.stderr, /Usage: zfs-csi ctl create-volume \[flags\]/);
  assert.equal(received.get('CreateVolume')?.length ?? 0, before);
  const unknown = await ctl(['probe', '--frobnicate']);
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /Usage: zfs-csi ctl probe/);
  const help = await ctl(['--help']);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /node-expand +NodeExpandVolume/);
});

test('no driver at the endpoint: UNAVAILABLE, exit 1', async () => {
  const res = await ctl(['probe', '--endpoint', `unix://${join(scratch, 'nobody.sock')}`]);
  assert.equal(res.exitCode, 1);
  assert.match(res.stderr, /^error: UNAVAILABLE: /);
});

// The gRPC layer end to end over a real unix socket, with a small fake ServiceImpl (no ZFS needed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createLogger } from '../../src/app/logger.js';
import { DriverError } from '../../src/domain/errors.js';
import { createCsiClient, CsiCallError, type CsiClient } from '../../src/grpc/client.js';
import type { CreateVolumeRequest__Output } from '../../src/grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { CreateVolumeResponse } from '../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { MethodSpec, ServiceImpl } from '../../src/grpc/handler.js';
import { loadCsiServices } from '../../src/grpc/load.js';
import { startServer, type RunningServer } from '../../src/grpc/server.js';
import { warningsDuring } from '../support/warnings.js';

/** A promise plus its resolver, to hold a handler in flight. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'zfs-csi-grpc-'));
const logs = new Capture();
const log = createLogger('debug', { stream: logs });

/** Per-name behaviour of the fake CreateVolume, set by each test. */
const behaviour = new Map<string, (req: CreateVolumeRequest__Output, signal: AbortSignal) => Promise<CreateVolumeResponse>>();

const createVolume: MethodSpec<CreateVolumeRequest__Output, CreateVolumeResponse> = {
  lockKeys: (req) => [`volume-name:${req.name}`],
  handle: async (req, ctx) => {
    const custom = behaviour.get(req.name);
    if (custom) return custom(req, ctx.signal);
    return { volume: { volume_id: `vol-${req.name}`, capacity_bytes: req.capacity_range?.required_bytes ?? '0' } };
  },
};

const controller: ServiceImpl = { CreateVolume: createVolume };
const identity: ServiceImpl = {
  GetPluginInfo: { handle: async () => ({ name: 'zfs.csi.dev', vendor_version: 'test' }), logLevel: 'debug' },
};

function expectCode(code: keyof typeof status) {
  return (err: unknown) => {
    assert.ok(err instanceof CsiCallError, `expected a CsiCallError, got ${String(err)}`);
    assert.equal(err.grpcCodeName, code, err.message);
    return true;
  };
}

describe('gRPC server over a unix socket', () => {
  let server: RunningServer;
  let client: CsiClient;
  const socket = join(scratch, 'run', 'csi.sock');

  before(async () => {
    server = await startServer({ endpoint: `unix://${socket}`, services: { Identity: identity, Controller: controller }, log });
    client = createCsiClient(server.address);
  });
  after(async () => {
    client.close();
    await server.drain(1000);
  });

  test('a successful call returns the handler response, int64 as string', async () => {
    const info = await client.identity.GetPluginInfo({});
    assert.equal(info.name, 'zfs.csi.dev');
    const res = await client.controller.CreateVolume({ name: 'ok', capacity_range: { required_bytes: '1073741824' } });
    assert.equal(res.volume?.volume_id, 'vol-ok');
    assert.equal(res.volume?.capacity_bytes, '1073741824');
  });

  test('the socket is mode 0600 and the address is unix:///abs', () => {
    assert.equal(server.address, `unix://${socket}`);
    assert.ok(lstatSync(socket).isSocket());
    assert.equal(statSync(socket).mode & 0o777, 0o600);
  });

  test('DriverError codes reach the client; untyped errors are INTERNAL', async () => {
    const cases: Array<[string, unknown, keyof typeof status]> = [
      ['nf', new DriverError('NOT_FOUND', 'no such source snapshot'), 'NOT_FOUND'],
      ['ae', new DriverError('ALREADY_EXISTS', 'exists with another size'), 'ALREADY_EXISTS'],
      ['fp', new DriverError('FAILED_PRECONDITION', 'in use'), 'FAILED_PRECONDITION'],
      ['re', new DriverError('RESOURCE_EXHAUSTED', 'pool full'), 'RESOURCE_EXHAUSTED'],
      ['oor', new DriverError('OUT_OF_RANGE', 'smaller than the snapshot'), 'OUT_OF_RANGE'],
      ['boom', new TypeError('cannot read x of undefined'), 'INTERNAL'],
      ['str', 'a thrown string', 'INTERNAL'],
    ];
    for (const [name, thrown] of cases) {
      behaviour.set(name, async () => {
        throw thrown;
      });
    }
    for (const [name, thrown, code] of cases) {
      await assert.rejects(client.controller.CreateVolume({ name }), (err: unknown) => {
        expectCode(code)(err);
        const message = thrown instanceof Error ? thrown.message : String(thrown);
        assert.equal((err as CsiCallError).details, message);
        return true;
      });
    }
  });

  test('methods without a MethodSpec, and services not served, answer UNIMPLEMENTED', async () => {
    await assert.rejects(client.controller.ListSnapshots({}), expectCode('UNIMPLEMENTED'));
    await assert.rejects(client.identity.Probe({}), expectCode('UNIMPLEMENTED'));
    await assert.rejects(client.node.NodeGetInfo({}), expectCode('UNIMPLEMENTED'));
  });

  test('a second call for the same lock key is ABORTED at once; other keys proceed', async () => {
    const hold = gate();
    const entered = gate();
    behaviour.set('busy', async () => {
      entered.open();
      await hold.promise;
      return { volume: { volume_id: 'vol-busy' } };
    });
    const first = client.controller.CreateVolume({ name: 'busy' });
    await entered.promise;
    await assert.rejects(client.controller.CreateVolume({ name: 'busy' }), (err: unknown) => {
      expectCode('ABORTED')(err);
      assert.match((err as CsiCallError).details, /an operation for volume-name:busy is already in progress/);
      return true;
    });
    assert.equal((await client.controller.CreateVolume({ name: 'other' })).volume?.volume_id, 'vol-other');
    hold.open();
    assert.equal((await first).volume?.volume_id, 'vol-busy');
    behaviour.delete('busy');
    assert.equal((await client.controller.CreateVolume({ name: 'busy' })).volume?.volume_id, 'vol-busy', 'released');
  });

  test('twenty calls in flight at once raise no listener-leak warning on the shutdown signal', async () => {
    // Each call listens on the server's shutdown signal until it ends: 20 at once are not a leak
    // (seen as MaxListenersExceededWarning in the driver's log with 100 concurrent CreateSnapshot).
    const names = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    const release = gate();
    let entered = 0;
    const allIn = gate();
    for (const name of names) {
      behaviour.set(name, async () => {
        if (++entered === names.length) allIn.open();
        await release.promise;
        return { volume: { volume_id: `vol-${name}`, capacity_bytes: '0' } };
      });
    }
    let ids: string[] = [];
    const warnings = await warningsDuring(async () => {
      const calls = names.map((name) => client.controller.CreateVolume({ name }));
      await allIn.promise;
      release.open();
      ids = (await Promise.all(calls)).map((r) => r.volume?.volume_id ?? '');
    });
    for (const name of names) behaviour.delete(name);
    assert.deepEqual(ids, names.map((n) => `vol-${n}`));
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  });

  test('a client cancel aborts the handler signal and releases the lock', async () => {
    const entered = gate();
    const aborted = gate<unknown>();
    behaviour.set('cancel-me', async (_req, signal) => {
      entered.open();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.open(signal.reason);
      throw signal.reason;
    });
    const raw = new Client(server.address, credentials.createInsecure());
    const method = loadCsiServices().Controller.CreateVolume;
    const outcome = gate<ServiceError | null>();
    const call = raw.makeUnaryRequest(
      method.path, method.requestSerialize, method.responseDeserialize,
      { name: 'cancel-me' }, new Metadata(), {}, (err: ServiceError | null) => outcome.open(err),
    );
    await entered.promise;
    call.cancel();
    const reason = await aborted.promise;
    assert.ok(reason instanceof DriverError && reason.code === 'ABORTED', String(reason));
    assert.equal((await outcome.promise)?.code, status.CANCELLED);
    raw.close();
    behaviour.delete('cancel-me');
    await client.controller.CreateVolume({ name: 'cancel-me' }); // the lock was released
  });

  test('the client deadline aborts the handler signal with DEADLINE_EXCEEDED', async () => {
    const aborted = gate<unknown>();
    behaviour.set('slow', async (_req, signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.open(signal.reason);
      throw signal.reason;
    });
    await assert.rejects(client.controller.CreateVolume({ name: 'slow' }, { deadlineMs: 150 }), expectCode('DEADLINE_EXCEEDED'));
    const reason = await aborted.promise;
    assert.ok(reason instanceof DriverError && reason.code === 'DEADLINE_EXCEEDED');
    behaviour.delete('slow');
  });

  test('log lines carry method, request id and volume name but never secrets', async () => {
    await client.controller.CreateVolume({
      name: 'logged',
      secrets: { password: 's3cr3t-value' },
      volume_capabilities: [{ mount: { mount_flags: ['credentials=hidden-flag'] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }],
    });
    const mine = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['method'] === 'CreateVolume');
    const started = mine.find((l) => l['message'] === 'call started' && JSON.stringify(l).includes('logged'));
    assert.ok(started, 'a start line for the call');
    assert.equal(typeof started['requestId'], 'string');
    assert.ok(typeof started['timestamp'] === 'string');
    const finished = mine.find((l) => l['message'] === 'call finished' && l['requestId'] === started['requestId']);
    assert.ok(finished && finished['code'] === 'OK' && typeof finished['durationMs'] === 'number');
    const all = logs.lines.join('\n');
    assert.ok(!all.includes('s3cr3t-value') && !all.includes('hidden-flag'), 'secrets leaked into the log');
  });
});

describe('socket file handling', () => {
  test('a stale socket is replaced; a live one or a non-socket is refused', async () => {
    const path = join(scratch, 'stale.sock');
    // A process that dies without closing leaves a stale socket behind.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.ok(lstatSync(path).isSocket(), 'precondition: stale socket exists');
    const first = await startServer({ endpoint: path, services: { Identity: identity }, log });
    const c = createCsiClient(path);
    assert.equal((await c.identity.GetPluginInfo({})).name, 'zfs.csi.dev');
    await assert.rejects(startServer({ endpoint: path, services: { Identity: identity }, log }), /another process is serving/);
    c.close();
    await first.drain(1000);

    const file = join(scratch, 'not-a-socket.sock');
    writeFileSync(file, 'keep me');
    await assert.rejects(startServer({ endpoint: `unix://${file}`, services: {}, log }), (err: unknown) => {
      assert.ok(err instanceof DriverError && err.code === 'FAILED_PRECONDITION');
      return true;
    });
    assert.equal(lstatSync(file).isFile(), true, 'the regular file is untouched');
    await assert.rejects(startServer({ endpoint: 'relative/csi.sock', services: {}, log }), /not unix:\/\/\/absolute/);
  });

  test('drain lets an in-flight call finish, refuses new ones, and removes the socket', async () => {
    const path = join(scratch, 'drain.sock');
    const hold = gate();
    const entered = gate();
    const impl: ServiceImpl = {
      GetPluginInfo: {
        handle: async () => {
          entered.open();
          await hold.promise;
          return { name: 'finished-after-drain' };
        },
      },
    };
    const srv = await startServer({ endpoint: path, services: { Identity: impl }, log });
    const c = createCsiClient(path);
    const inFlight = c.identity.GetPluginInfo({});
    await entered.promise;
    const drained = srv.drain(5000);
    setTimeout(() => hold.open(), 100);
    assert.equal((await inFlight).name, 'finished-after-drain');
    await drained;
    await assert.rejects(c.identity.GetPluginInfo({}, { deadlineMs: 1000 }), (err: unknown) => err instanceof CsiCallError);
    c.close();
    assert.throws(() => lstatSync(path), /ENOENT/);
  });

  test('drain past its timeout aborts in-flight signals with UNAVAILABLE', async () => {
    const path = join(scratch, 'force.sock');
    const aborted = gate<unknown>();
    const entered = gate();
    const impl: ServiceImpl = {
      GetPluginInfo: {
        handle: async (_req, ctx) => {
          entered.open();
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          aborted.open(ctx.signal.reason);
          throw ctx.signal.reason;
        },
      },
    };
    const srv = await startServer({ endpoint: path, services: { Identity: impl }, log });
    const c = createCsiClient(path);
    const inFlight = c.identity.GetPluginInfo({}).catch((err: unknown) => err);
    await entered.promise;
    const started = Date.now();
    await srv.drain(200);
    assert.ok(Date.now() - started >= 150, 'waited for the timeout first');
    const reason = await aborted.promise;
    assert.ok(reason instanceof DriverError && reason.code === 'UNAVAILABLE');
    assert.ok((await inFlight) instanceof CsiCallError);
    c.close();
  });
});

after(() => rmSync(scratch, { recursive: true, force: true }));

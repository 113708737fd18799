// The adapter's onCall hook over a real unix socket with a fake service (no ZFS): what the gRPC histogram sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/app/logger.js';
import { DriverError } from '../../src/domain/errors.js';
import type { CallEvent } from '../../src/grpc/adapter.js';
import { createCsiClient, type CsiClient } from '../../src/grpc/client.js';
import type { ServiceImpl } from '../../src/grpc/handler.js';
import { startServer, type RunningServer } from '../../src/grpc/server.js';
import { METRIC } from '../../src/metrics/names.js';
import { Metrics } from '../../src/metrics/registry.js';
import { value } from './exposition.js';

const scratch = mkdtempSync(join(tmpdir(), 'zfs-csi-metrics-grpc-'));
const log = createLogger('error', { stream: new Writable({ write: (_c, _e, done) => done() }) });
const events: CallEvent[] = [];
const metrics = new Metrics({ defaultMetrics: false });
let throwFromObserver = false;
/** Holds the call named "same" in flight until released, and says when it got there. */
let entered: () => void = () => undefined;
let release: Promise<void> = Promise.resolve();

const controller: ServiceImpl = {
  CreateVolume: {
    lockKeys: (req: { name: string }) => [`volume-name:${req.name}`],
    handle: async (req: { name: string }) => {
      if (req.name === 'full') throw new DriverError('RESOURCE_EXHAUSTED', 'pool full');
      if (req.name === 'same') {
        entered();
        await release;
      }
      await new Promise((r) => setTimeout(r, 20));
      return { volume: { volume_id: `vol-${req.name}`, capacity_bytes: '0' } };
    },
  },
};

let server: RunningServer;
let client: CsiClient;
before(async () => {
  server = await startServer({
    endpoint: `unix://${join(scratch, 'csi.sock')}`,
    services: { Controller: controller, Identity: {} },
    log,
    onCall: (event) => {
      events.push(event);
      metrics.onCall(event);
      if (throwFromObserver) throw new Error('observer bug');
    },
  });
  client = createCsiClient(server.address);
});
after(async () => {
  client.close();
  await server.drain(1000);
  rmSync(scratch, { recursive: true, force: true });
});

test('every finished call is observed with service, method, gRPC code and duration', async () => {
  events.length = 0;
  await client.controller.CreateVolume({ name: 'a' });
  await assert.rejects(client.controller.CreateVolume({ name: 'full' }));
  await assert.rejects(client.identity.Probe({})); // no MethodSpec: UNIMPLEMENTED, still observed
  assert.deepEqual(
    events.map((e) => [e.service, e.method, e.code]),
    [['Controller', 'CreateVolume', 'OK'], ['Controller', 'CreateVolume', 'RESOURCE_EXHAUSTED'], ['Identity', 'Probe', 'UNIMPLEMENTED']],
  );
  assert.ok((events[0]?.durationMs ?? 0) >= 15, `the handler's 20 ms are in the duration (${events[0]?.durationMs})`);
  const text = await metrics.text();
  assert.equal(value(text, `${METRIC.grpcDuration}_count`, { method: 'CreateVolume', code: 'OK' }), 1);
  assert.equal(value(text, `${METRIC.grpcDuration}_count`, { method: 'CreateVolume', code: 'RESOURCE_EXHAUSTED' }), 1);
  assert.equal(value(text, `${METRIC.grpcDuration}_count`, { method: 'Probe', code: 'UNIMPLEMENTED' }), 1);
});

test('a lock conflict is observed as ABORTED', async () => {
  events.length = 0;
  let open: () => void = () => undefined;
  release = new Promise<void>((r) => (open = r));
  const inside = new Promise<void>((r) => (entered = r));
  const first = client.controller.CreateVolume({ name: 'same' });
  await inside;
  await assert.rejects(client.controller.CreateVolume({ name: 'same' }));
  open();
  await first;
  assert.deepEqual(events.map((e) => e.code).sort(), ['ABORTED', 'OK']);
});

test('an observer that throws changes nothing for the caller', async () => {
  throwFromObserver = true;
  try {
    const res = await client.controller.CreateVolume({ name: 'b' });
    assert.equal(res.volume?.volume_id, 'vol-b');
    await assert.rejects(client.controller.CreateVolume({ name: 'full' }), /pool full/);
  } finally {
    throwFromObserver = false;
  }
});

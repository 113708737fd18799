// The real standalone driver with --metrics-address: what an operator's Prometheus and kubelet probes see.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { METRIC } from '../../src/metrics/names.js';
import { startDriver, type Driver } from '../support/driver.js';
import { find, typeOf, value } from './exposition.js';
import { freePort } from '../support/port.js';

const CAP = [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }];

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.text() };
}

let d: Driver;
let base: string;
before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  d = await startDriver({ extraArgs: ['--metrics-address', `127.0.0.1:${port}`] });
});
after(async () => {
  await d.cleanup();
});

test('/healthz and /readyz answer 200 once the driver is ready; other paths 404', async () => {
  assert.equal((await get('/healthz')).status, 200);
  assert.equal((await get('/readyz')).status, 200);
  assert.equal((await get('/nope')).status, 404);
});

test('after a CreateVolume, /metrics has the gRPC, zfs, inventory and capacity series', async () => {
  // Start-up already ran zfs commands (it may create the parent): count what the calls below add.
  const before = (await get('/metrics')).body;
  const count = (text: string, name: string, labels: Record<string, string>) => value(text, `${name}_count`, labels) ?? 0;
  const { volume } = await d.client.controller.CreateVolume({
    name: 'metrics-1',
    capacity_range: { required_bytes: String(64 << 20) },
    volume_capabilities: CAP,
  });
  assert.ok(volume);
  await d.client.controller.CreateSnapshot({ name: 'metrics-snap', source_volume_id: volume.volume_id });
  const { status, body } = await get('/metrics');
  assert.equal(status, 200);

  const delta = (name: string, labels: Record<string, string>) => count(body, name, labels) - count(before, name, labels);
  assert.equal(delta(METRIC.grpcDuration, { method: 'CreateVolume', code: 'OK' }), 1);
  assert.equal(delta(METRIC.grpcDuration, { method: 'CreateSnapshot', code: 'OK' }), 1);
  assert.ok(count(body, METRIC.grpcDuration, { method: 'Probe', code: 'OK' }) >= 1, 'the harness\'s Probe calls');
  const zfsSeries = find(body, `${METRIC.zfsDuration}_count`).map((x) => JSON.stringify(x.labels) + ' ' + x.value).join('\n');
  assert.equal(delta(METRIC.zfsDuration, { subcommand: 'create', outcome: 'ok' }), 1, zfsSeries);
  assert.equal(delta(METRIC.zfsDuration, { subcommand: 'snapshot', outcome: 'ok' }), 1);
  assert.ok(count(body, METRIC.zfsDuration, { subcommand: 'get', outcome: 'ok' }) >= 1);
  assert.equal(typeOf(body, METRIC.zfsFailures), 'counter');
  assert.deepEqual(find(body, `${METRIC.zfsDuration}_count`, { subcommand: 'other' }), [], `every command is named:\n${zfsSeries}`);

  assert.equal(value(body, METRIC.volumes, { phase: 'Ready' }), 1);
  assert.equal(value(body, METRIC.snapshots, { phase: 'Ready' }), 1);
  const pool = { node: d.nodeId, parent: d.parent };
  assert.ok((value(body, METRIC.poolAvailable, pool) ?? 0) > 0);
  assert.ok((value(body, METRIC.poolUsed, pool) ?? 0) > 0);
  assert.equal(value(body, METRIC.retiredBytes, pool), 0);
  assert.ok(typeOf(body, 'process_resident_memory_bytes'), 'default process metrics are served');
  // Bounded labels: the volume id never appears in the exposition.
  assert.ok(!body.includes(volume.volume_id));
});

test('deleting the volume that has a snapshot retires it, and the retired gauges show it', async () => {
  const volume = (await d.client.controller.ListVolumes({})).entries?.[0]?.volume;
  assert.ok(volume);
  await d.client.controller.DeleteVolume({ volume_id: volume.volume_id });
  const { body } = await get('/metrics');
  assert.equal(value(body, METRIC.volumes, { phase: 'Retired' }), 1);
  assert.equal(value(body, METRIC.volumes, { phase: 'Ready' }), 0);
  assert.ok((value(body, METRIC.retiredBytes, { node: d.nodeId, parent: d.parent }) ?? -1) >= 0);
  assert.equal(value(body, `${METRIC.grpcDuration}_count`, { method: 'DeleteVolume', code: 'OK' }), 1);
});

test('a zfs command that fails is counted by subcommand and error class', async () => {
  const { volume } = await d.client.controller.CreateVolume({
    name: 'metrics-2',
    capacity_range: { required_bytes: String(64 << 20) },
    volume_capabilities: CAP,
  });
  assert.ok(volume);
  // Start-up's parent check already failed once with not_found (the parent did not exist): count what is new.
  const failuresBefore = find((await get('/metrics')).body, METRIC.zfsFailures, { error_class: 'not_found' });
  const total = (samples: readonly { value: number }[]) => samples.reduce((sum, f) => sum + f.value, 0);
  // Someone destroys the dataset behind the driver's back (our own scratch dataset); the next zfs call on it fails.
  await destroyOutside(`${d.parent}/${volume.volume_id}`);
  await assert.rejects(
    d.client.controller.ControllerExpandVolume({ volume_id: volume.volume_id, capacity_range: { required_bytes: String(128 << 20) } }),
  );
  const { body } = await get('/metrics');
  const failures = find(body, METRIC.zfsFailures, { error_class: 'not_found' });
  assert.ok(total(failures) > total(failuresBefore), `a new not_found failure is counted: ${JSON.stringify(failures)}`);
  for (const f of failures) {
    const sub = f.labels['subcommand'] ?? '';
    assert.ok((value(body, `${METRIC.zfsDuration}_count`, { subcommand: sub, outcome: 'error' }) ?? 0) >= f.value, sub);
  }
  assert.ok(!body.includes(volume.volume_id));
});

/** `zfs destroy` of one scratch dataset, retried while zfs-fuse says it is busy after an unmount. */
async function destroyOutside(dataset: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await execa('/sbin/zfs', ['destroy', '-f', dataset], { reject: false });
    if (r.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`cannot destroy ${dataset}`);
}

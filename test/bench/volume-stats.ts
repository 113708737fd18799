import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { zfs } from './raw.js';
import { StandaloneState } from '../../src/app/standalone-state.js';
import { nodeService } from '../../src/csi/node/index.js';
import type { CsiClient } from '../../src/grpc/client.js';
import { createCsiClient } from '../../src/grpc/client.js';
import { startServer } from '../../src/grpc/server.js';
import { startBenchDriver } from './driver-process.js';
import { createManagedVolume, inProcess } from './inprocess.js';
import { CAP, SIZE } from './latency.js';
import { fig, ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { summarize, timed, type Summary } from './stats.js';

const P99_TARGET_MS = 10;
const WARMUP = 20;
const RAW_SAMPLES_DIVISOR = 10;

/** `count` sequential NodeGetVolumeStats calls after a warm-up; latency as the client sees it. */
async function statsCalls(client: CsiClient, volumeId: string, target: string, count: number): Promise<Summary> {
  const call = async (): Promise<void> => {
    const res = await client.node.NodeGetVolumeStats({ volume_id: volumeId, volume_path: target }, { deadlineMs: 10_000 });
    if (res.usage.length === 0) throw new Error('NodeGetVolumeStats returned no usage');
  };
  for (let i = 0; i < WARMUP; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push((await timed(call)).ms);
  return summarize(samples);
}

/** What a driver without the statfs path would pay: one `zfs get used,available` per call. */
async function rawGets(dataset: string, count: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(await zfs(['get', '-Hp', '-o', 'value', 'used,available', dataset])); // from bash (raw.ts)
  }
  return summarize(samples);
}

async function publish(client: CsiClient, volumeId: string, target: string): Promise<void> {
  await client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: CAP[0] ?? null, readonly: false });
}

/** Latency through the real driver process: CreateVolume, NodePublishVolume, then the stats calls. */
async function overDriver(scratch: Scratch, count: number): Promise<{ driver: Summary; raw: Summary }> {
  const section = await scratch.section('stats');
  const driver = await startBenchDriver(scratch, section.parent, section.dir);
  const target = join(section.dir, 'targets', 'pod-0');
  try {
    await mkdir(join(section.dir, 'targets'), { recursive: true });
    const res = await driver.client.controller.CreateVolume({ name: 'stats', capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP });
    const id = res.volume?.volume_id ?? '';
    await publish(driver.client, id, target);
    const summary = await statsCalls(driver.client, id, target, count);
    const raw = await rawGets(`${section.parent}/${id}`, Math.max(10, Math.floor(count / RAW_SAMPLES_DIVISOR)));
    await driver.client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    return { driver: summary, raw };
  } finally {
    await driver.stop();
    await scratch.dropSection(section);
  }
}

/**
 * The same calls against the real Node service, HostTargetManager and standalone lookup composed in this
 * process over gRPC, with every zfs and mount process counted (a count across processes is not possible).
 */
async function inProcessCount(scratch: Scratch, count: number): Promise<{ summary: Summary; zfs: number; mount: number }> {
  const section = await scratch.section('stats-inproc');
  const p = inProcess(section.parent, join(section.dir, 'mounts'));
  const state = new StandaloneState({ zfs: p.zfs, provisioner: p.provisioner, store: p.store, parents: [section.parent], log: p.log });
  const server = await startServer({
    endpoint: `unix://${join(section.dir, 'csi.sock')}`,
    log: p.log,
    services: { Node: nodeService({ nodeId: 'bench-node', volumes: state.nodeLookup(), targets: p.targets }) },
  });
  const client = createCsiClient(server.address);
  const target = join(section.dir, 'targets', 'pod-0');
  try {
    await mkdir(join(section.dir, 'targets'), { recursive: true });
    const record = await createManagedVolume(p, section.parent, 'stats', SIZE, new AbortController().signal);
    p.store.putVolume(record);
    await publish(client, record.id, target);
    p.counter.reset();
    const summary = await statsCalls(client, record.id, target, count);
    const counted = { summary, zfs: p.counter.zfs, mount: p.counter.mount };
    await client.node.NodeUnpublishVolume({ volume_id: record.id, target_path: target });
    return counted;
  } finally {
    client.close();
    await server.drain(1000);
    await scratch.dropSection(section);
  }
}

/** Item 7: NodeGetVolumeStats latency on a published volume, and proof that no zfs process runs for it. */
export async function volumeStatsSection(scratch: Scratch, count: number, progress: (s: string) => void): Promise<Row[]> {
  progress(`NodeGetVolumeStats × ${count} through the driver process`);
  const { driver, raw } = await overDriver(scratch, count);
  progress(`NodeGetVolumeStats × ${count} in-process with process counters`);
  const inproc = await inProcessCount(scratch, count);
  const rawLabel = `raw: zfs get used,available, N=${raw.n}`;
  return [
    { measure: `NodeGetVolumeStats p50 (driver process, N=${driver.n}; ${rawLabel})`, driver: ms(driver.p50), raw: ms(raw.p50), ratio: driver.p50 / raw.p50, target: 'report only' },
    { measure: `NodeGetVolumeStats p99 (driver process, N=${driver.n}; ${rawLabel})`, driver: ms(driver.p99), raw: ms(raw.p99), ratio: driver.p99 / raw.p99,
      target: `≤ ${P99_TARGET_MS} ms`, ok: driver.p99 <= P99_TARGET_MS },
    { measure: `NodeGetVolumeStats p99 (in-process Node service over gRPC, N=${inproc.summary.n})`, driver: ms(inproc.summary.p99), target: `≤ ${P99_TARGET_MS} ms`,
      ok: inproc.summary.p99 <= P99_TARGET_MS },
    { measure: `NodeGetVolumeStats: zfs processes in ${inproc.summary.n + WARMUP} calls (in-process onCommand; mount/umount: ${inproc.mount})`,
      driver: fig(inproc.zfs, 'count'), target: '0', ok: inproc.zfs === 0 },
  ];
}

import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { shells } from './shell.js';
import { AdminClient } from '../../src/app/ctl/admin-client.js';
import { decodeStatus } from '../../src/app/ctl/transfer-status.js';
import type { TransferStatus } from '../../src/transfer/manager.js';
import { makePki } from '../support/certs.js';
import { TEST_POOL2 } from '../support/pool.js';
import { freePort } from '../transfer/peers.js';
import { startBenchDriver, type BenchDriver } from './driver-process.js';
import { CAP } from './latency.js';
import { destroyTree, type Scratch } from './scratch.js';

/** Two standalone drivers, node-a on the bench pool and node-b on the second pool, peers over loopback mTLS. */
export interface TransferRig {
  readonly a: BenchDriver;
  readonly b: BenchDriver;
  readonly adminA: AdminClient;
  /** node-b's parent, and a dataset on the same pool for the raw baseline's receives. */
  readonly parentA: string;
  readonly parentB: string;
  readonly rawRoot: string;
  /** Mount points of the raw baseline's clones. */
  readonly rawDir: string;
}

export async function startRig(scratch: Scratch): Promise<TransferRig> {
  const pki = await makePki();
  const a = await scratch.section('xfer-a');
  const { rawRoot, parentB, bDir } = await secondPool(scratch, 'xfer-b');
  const [portA, portB] = [await freePort(), await freePort()];
  const args = async (id: string, port: number, peer: string, peerPort: number): Promise<string[]> => {
    const tls = await pki.node(id);
    return ['--transfer-listen', `127.0.0.1:${port}`, '--peer', `${peer}=127.0.0.1:${peerPort}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca];
  };
  const driverA = await startBenchDriver(scratch, a.parent, a.dir, { nodeId: 'node-a', extraArgs: await args('node-a', portA, 'node-b', portB) });
  const driverB = await startBenchDriver(scratch, parentB, bDir, { nodeId: 'node-b', extraArgs: await args('node-b', portB, 'node-a', portA) });
  return {
    a: driverA, b: driverB, adminA: new AdminClient(join(a.dir, 'admin.sock'), 30_000),
    parentA: a.parent, parentB, rawRoot, rawDir: bDir,
  };
}

/** A volume on node-a holding `mib` MiB of random (incompressible) data, written in 16 MiB chunks. */
export async function volumeWithData(a: BenchDriver, mib: number): Promise<{ id: string; file: string }> {
  const { volume } = await a.client.controller.CreateVolume({
    name: `xfer-${randomBytes(3).toString('hex')}`, capacity_range: { required_bytes: String((mib + 64) * 1024 * 1024) }, volume_capabilities: CAP,
  });
  if (!volume) throw new Error('CreateVolume returned no volume');
  const file = join(a.mountRoot, volume.volume_id, 'data');
  await fillRandom(file, mib);
  return { id: volume.volume_id, file };
}

/** `mib` MiB of random (incompressible) data, synced, in 16 MiB writes. */
export async function fillRandom(file: string, mib: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let left = mib; left > 0; left -= 16) await handle.write(randomBytes(Math.min(16, left) * 1024 * 1024));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The second node's side on the second pool: `<pool2>/bench-<random>` (mountpoint=none, destroyed at
 * cleanup), its child `b` as node-b's parent, and `bDir` for node-b's mounts and the baseline's clones.
 */
export async function secondPool(scratch: Scratch, dirName: string): Promise<{ rawRoot: string; parentB: string; bDir: string }> {
  const rawRoot = `${TEST_POOL2}/bench-${randomBytes(4).toString('hex')}`;
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', rawRoot]);
  const bDir = join(scratch.dir, dirName);
  scratch.onCleanup(async () => {
    const problem = await destroyTree(rawRoot, bDir);
    if (problem) scratch.problems.push(problem);
  });
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', `${rawRoot}/b`]);
  await mkdir(bDir, { recursive: true });
  return { rawRoot, parentB: `${rawRoot}/b`, bDir };
}

export async function snapshot(a: BenchDriver, volumeId: string): Promise<string> {
  const { snapshot: s } = await a.client.controller.CreateSnapshot({ name: `s-${randomBytes(3).toString('hex')}`, source_volume_id: volumeId });
  if (!s) throw new Error('CreateSnapshot returned no snapshot');
  return s.snapshot_id;
}

/** The driver's transfer, as `ctl transfer-start --wait` does it (polling every 10 ms here, not 500). */
export async function driverTransfer(rig: TransferRig, snapshotId: string): Promise<TransferStatus> {
  let status = decodeStatus(await rig.adminA.post('/v1/transfers', { snapshotId, peer: 'node-b' }));
  while (status.state === 'running') {
    await new Promise((r) => setTimeout(r, 10));
    status = decodeStatus(await rig.adminA.get(`/v1/transfers/${status.id}`));
  }
  if (status.state !== 'succeeded') throw new Error(`transfer ${status.state}: ${status.error?.message ?? ''}`);
  return status;
}

/**
 * The baseline a person types: `zfs send [-i base] snap | zfs receive target`, a kernel pipe between the
 * two, run from bash and timed there (shell.ts). Resolves with its time in ms. (Before 2026-12-08 it was
 * execa's `.pipe()`, which carries every byte through the benchmark's Node process.)
 */
export async function rawPipe(snapshot: string, target: string, base?: string): Promise<number> {
  const r = await shells.run(['/sbin/zfs', 'send', ...(base ? ['-i', base] : []), snapshot], ['/sbin/zfs', 'receive', target]);
  if (r.exitCode !== 0) throw new Error(`zfs send ${snapshot} | zfs receive ${target}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.ms;
}

export const destroyRecursive = async (dataset: string): Promise<void> => {
  await execa('/sbin/zfs', ['destroy', '-r', dataset], { env: { LC_ALL: 'C' } });
};

import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawClone } from './raw.js';
import { fig, ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { median, timed } from './stats.js';
import { destroyRecursive, driverTransfer, rawPipe, snapshot, startRig, volumeWithData, type TransferRig } from './transfer-rig.js';
import { CAP } from './latency.js';

const MIB = 1024 * 1024;
const THROUGHPUT_TARGET = 0.9;

export const TRANSFER_BASELINE = 'zfs send <pool>/<vol>@<snap> | zfs receive <pool2>/<name> run from bash, a kernel pipe between them (and -i <base> for the incremental; zfs clone for the restore)';

/**
 * Issue #8's figures: a full transfer's throughput beside a raw `zfs send | zfs receive` pipe of the same
 * snapshot between the same two pools, rounds interleaved; the incremental stream's bytes after a 1 MiB
 * change beside the full stream's; and a cross-node restore (transfer, then CreateVolume on the other
 * node) beside the same steps typed by hand.
 */
export async function transferSection(scratch: Scratch, mib: number, rounds: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const rig = await startRig(scratch);
  progress(`transfer: writing ${mib} MiB of random data on node-a`);
  const vol = await volumeWithData(rig.a, mib);
  const s1 = await snapshot(rig.a, vol.id);
  const zfsSnap = zfsNameOf(rig, vol.id, s1);
  const driverMs: number[] = [];
  const rawMs: number[] = [];
  let fullBytes = 0;
  for (let r = 0; r < rounds; r++) {
    progress(`transfer: full round ${r + 1}/${rounds}`);
    const raw = async (): Promise<void> => {
      const target = `${rig.rawRoot}/raw-${r}`;
      rawMs.push(await rawPipe(zfsSnap, target));
      await destroyRecursive(target);
    };
    const driver = async (): Promise<void> => {
      const { value, ms: elapsed } = await timed(() => driverTransfer(rig, s1));
      driverMs.push(elapsed);
      fullBytes = Number(value.bytes);
      await destroyRecursive(`${rig.parentB}/${vol.id}`);
    };
    // Alternate who goes first, so neither side always meets a freshly busy pool.
    if (r % 2 === 0) await raw().then(driver);
    else await driver().then(raw);
  }
  const rows = throughputRows(mib, fullBytes, median(driverMs), median(rawMs));
  rows.push(...(await incrementalRows(rig, vol, s1, zfsSnap, fullBytes, progress)));
  rows.push(...(await restoreRows(rig, vol.id, mib, progress)));
  return { rows, notes: [`transfer baseline: ${TRANSFER_BASELINE}`] };
}

function throughputRows(mib: number, bytes: number, driverMs: number, rawMs: number): Row[] {
  const driver = bytes / MIB / (driverMs / 1000);
  const raw = bytes / MIB / (rawMs / 1000);
  return [{
    measure: `full transfer of ${mib} MiB, node-a → node-b over mTLS (throughput, p50)`,
    driver: fig(driver, 'MiB/s'), raw: fig(raw, 'MiB/s'), ratio: driver / raw,
    target: `≥ ${THROUGHPUT_TARGET}× raw`, ok: driver / raw >= THROUGHPUT_TARGET,
  }];
}

async function incrementalRows(rig: TransferRig, vol: { id: string; file: string }, s1: string, zfsSnap: string, fullBytes: number, progress: (s: string) => void): Promise<Row[]> {
  progress('transfer: incremental after a 1 MiB change');
  await driverTransfer(rig, s1); // node-b holds s1 again
  const rawTarget = `${rig.rawRoot}/raw-inc`;
  await rawPipe(zfsSnap, rawTarget);
  await appendFile(vol.file, randomBytes(MIB));
  const s2 = await snapshot(rig.a, vol.id);
  const zfsSnap2 = zfsNameOf(rig, vol.id, s2);
  const raw = { ms: await rawPipe(zfsSnap2, rawTarget, zfsSnap) };
  const driver = await timed(() => driverTransfer(rig, s2));
  await destroyRecursive(rawTarget);
  if (driver.value.mode !== 'incremental') throw new Error(`expected an incremental stream, got ${driver.value.mode ?? 'none'}`);
  const bytes = Number(driver.value.bytes);
  return [
    { measure: 'incremental stream after a 1 MiB change (bytes; raw column: the full stream)', driver: fig(bytes / MIB, 'MiB'), raw: fig(fullBytes / MIB, 'MiB'), ratio: bytes / fullBytes, target: 'report' },
    { measure: 'incremental transfer after a 1 MiB change (wall time)', driver: ms(driver.ms), raw: ms(raw.ms), ratio: driver.ms / raw.ms, target: 'report' },
  ];
}

async function restoreRows(rig: TransferRig, volumeId: string, mib: number, progress: (s: string) => void): Promise<Row[]> {
  progress(`transfer: cross-node restore of ${mib} MiB`);
  await destroyRecursive(`${rig.parentB}/${volumeId}`);
  const s = await snapshot(rig.a, volumeId);
  const zfsSnap = zfsNameOf(rig, volumeId, s);
  const size = String((mib + 64) * MIB);
  const driver = await timed(async () => {
    await driverTransfer(rig, s);
    await rig.b.client.controller.CreateVolume({ name: 'restored', capacity_range: { required_bytes: size }, volume_capabilities: CAP, volume_content_source: { snapshot: { snapshot_id: s } } });
  });
  const rawTarget = `${rig.rawRoot}/raw-restore`;
  // The two commands a person runs, each timed in its shell.
  const raw = { ms: (await rawPipe(zfsSnap, rawTarget)) + (await rawClone(`${rawTarget}@${s}`, `${rig.rawRoot}/raw-restored`, BigInt(size), join(rig.rawDir, 'raw-restored'))) };
  return [{
    measure: `cross-node restore of ${mib} MiB: transfer + CreateVolume on node-b (until it answered)`,
    driver: ms(driver.ms), raw: ms(raw.ms), ratio: driver.ms / raw.ms, target: 'report',
  }];
}

/** The snapshot's ZFS name on node-a, as a person would type it. */
const zfsNameOf = (rig: TransferRig, volumeId: string, snapshotId: string): string => `${rig.parentA}/${volumeId}@${snapshotId}`;

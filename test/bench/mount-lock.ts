import { join } from 'node:path';
import type { CsiClient } from '../../src/grpc/client.js';
import { startBenchDriver } from './driver-process.js';
import { CAP, SIZE } from './latency.js';
import { mountGuard } from './mount-guard.js';
import { BASELINE, rawCreate } from './raw.js';
import { ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { summarize, timed } from './stats.js';

const DEADLINE_MS = 60_000;

/**
 * zfs-fuse only (issue #9): CreateVolume with the default host-wide mount lock (each mounting command runs as
 * `flock <lock> zfs …`) and with `--zfs-fuse-mount-lock process` (no flock process), each beside the bare
 * `zfs create` in the same loop, rotating which goes first. The bare create and the process-scoped driver
 * mount without the host lock, as the latency section's baseline already does; they run one at a time.
 */
export async function mountLockSection(scratch: Scratch, n: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const guard = await mountGuard(scratch.dir);
  if (guard.implementation !== 'zfs-fuse') return { rows: [], notes: ['mount-lock scope: OpenZFS has no mount lock; section skipped'] };
  const host = await scratch.section('lock-host');
  const proc = await scratch.section('lock-proc');
  const raw = await scratch.section('lock-raw');
  const drivers = {
    host: await startBenchDriver(scratch, host.parent, host.dir),
    process: await startBenchDriver(scratch, proc.parent, proc.dir, { extraArgs: ['--zfs-fuse-mount-lock', 'process'] }),
  };
  const create = (c: CsiClient, i: number) => async (): Promise<void> => {
    await c.controller.CreateVolume({ name: `lock-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP }, { deadlineMs: DEADLINE_MS });
  };
  const samples = { host: [] as number[], process: [] as number[], raw: [] as number[] };
  try {
    progress(`CreateVolume × ${n}, host-wide and process-scoped mount lock, vs zfs create`);
    const keys = ['host', 'process', 'raw'] as const;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < keys.length; k++) {
        const key = keys[(i + k) % keys.length] ?? 'raw';
        const step: () => Promise<unknown> = key === 'raw' ? () => rawCreate(`${raw.parent}/r${i}`, SIZE, join(raw.dir, `r${i}`)) : create(drivers[key].client, i);
        const { value, ms: wall } = await timed(step);
        samples[key].push(typeof value === 'number' ? value : wall); // the baseline's own time, from its shell
      }
    }
  } finally {
    await drivers.host.stop();
    await drivers.process.stop();
    for (const s of [raw, proc, host]) await scratch.dropSection(s);
  }
  const r = summarize(samples.raw).p50;
  const row = (label: string, xs: readonly number[]): Row => {
    const d = summarize(xs).p50;
    return { measure: `${label} p50 (N=${xs.length})`, driver: ms(d), raw: ms(r), ratio: d / r, target: 'report only' };
  };
  return {
    rows: [
      row('CreateVolume, --zfs-fuse-mount-lock host (default: flock zfs create) vs zfs create', samples.host),
      row('CreateVolume, --zfs-fuse-mount-lock process (zfs create, in-process gate) vs zfs create', samples.process),
    ],
    notes: [`mount-lock scope: both drivers and \`${BASELINE.create}\` in one loop, one call at a time, order rotated each round`],
  };
}

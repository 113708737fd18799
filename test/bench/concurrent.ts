import { join } from 'node:path';
import { P } from '../../src/provision/props.js';
import { startBenchDriver, type BenchDriver } from './driver-process.js';
import { CAP, SIZE } from './latency.js';
import { propertyTree, rawCreate } from './raw.js';
import { fig, ms, type Row } from './report.js';
import { mountGuard, type MountGuard } from './mount-guard.js';
import type { Scratch } from './scratch.js';
import { median } from './stats.js';

const DEADLINE_MS = 120_000;
const THROUGHPUT_TARGET = 0.8;

interface Burst {
  readonly wallMs: number;
  readonly ok: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** Issues every call at once and waits for all of them. */
async function burst(count: number, call: (i: number) => Promise<unknown>): Promise<Burst> {
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => call(i)));
  const wallMs = performance.now() - started;
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const first: unknown = failed[0]?.reason;
  return {
    wallMs,
    ok: count - failed.length,
    errors: failed.length,
    ...(first === undefined ? {} : { firstError: first instanceof Error ? first.message : String(first) }),
  };
}

/** CSI names that map to more than one dataset under the parent (the record is the csi-name property). */
async function duplicates(parent: string): Promise<{ duplicates: number; names: number }> {
  const byName = new Map<string, number>();
  for (const [name, value] of await propertyTree(parent, P.csiName)) {
    if (name === parent || value === '-') continue;
    byName.set(value, (byName.get(value) ?? 0) + 1);
  }
  return { duplicates: [...byName.values()].filter((n) => n > 1).length, names: byName.size };
}

interface Round {
  readonly driver: Burst;
  readonly raw: Burst;
  readonly duplicates: number;
  /** Volumes the driver said it made that are not on the pool. */
  readonly missing: number;
}

async function round(scratch: Scratch, r: number, count: number, guard: MountGuard): Promise<Round> {
  const section = await scratch.section(`burst${r}`);
  const rawSection = await scratch.section(`burst${r}-raw`);
  let driver: BenchDriver | undefined;
  try {
    driver = await startBenchDriver(scratch, section.parent, section.dir, { zfsPrefix: guard.prefix });
    const client = driver.client;
    const runDriver = (): Promise<Burst> =>
      burst(count, (i) =>
        client.controller.CreateVolume(
          { name: `burst-${r}-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP },
          { deadlineMs: DEADLINE_MS },
        ),
      );
    const runRaw = (): Promise<Burst> =>
      burst(count, (i) => rawCreate(`${rawSection.parent}/b${i}`, SIZE, join(rawSection.dir, `b${i}`), guard.prefix));
    // Alternate which burst goes first from round to round: both see the same pool conditions.
    let d: Burst;
    let raw: Burst;
    if (r % 2 === 0) {
      d = await runDriver();
      raw = await runRaw();
    } else {
      raw = await runRaw();
      d = await runDriver();
    }
    const pool = await duplicates(section.parent);
    return { driver: d, raw, duplicates: pool.duplicates, missing: d.ok - pool.names };
  } finally {
    await driver?.stop();
    await scratch.dropSection(rawSection);
    await scratch.dropSection(section);
  }
}

/** Item 5: `count` CreateVolume calls with distinct names issued at once, against `count` raw `zfs create`. */
export async function concurrentSection(scratch: Scratch, count: number, rounds: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const guard = await mountGuard(scratch.dir);
  const results: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`${count} concurrent CreateVolume vs ${count} concurrent zfs create, round ${r + 1}/${rounds}`);
    results.push(await round(scratch, r, count, guard));
  }
  const dWall = median(results.map((x) => x.driver.wallMs));
  const rWall = median(results.map((x) => x.raw.wallMs));
  const dRate = median(results.map((x) => x.driver.ok / (x.driver.wallMs / 1000)));
  const rRate = median(results.map((x) => x.raw.ok / (x.raw.wallMs / 1000)));
  const dErrors = results.reduce((a, x) => a + x.driver.errors, 0);
  const rErrors = results.reduce((a, x) => a + x.raw.errors, 0);
  const dup = results.reduce((a, x) => a + x.duplicates + Math.max(0, x.missing), 0);
  const label = `${count} concurrent CreateVolume`;
  const per = rounds > 1 ? `, median of ${rounds}` : '';
  const notes = [
    ...(guard.prefix.length > 0
      ? [`${count} concurrent creates on zfs-fuse: every zfs command of both sides ran under \`${guard.prefix.join(' ')}\` ` +
          '(zfs-fuse corrupts its new-mount pipe when two mounts race, which hangs every mount on the host; see test/bench/mount-guard.ts)']
      : []),
    ...results.flatMap((x, i) => [
    ...(x.driver.firstError ? [`burst round ${i + 1}: driver error: ${x.driver.firstError}`] : []),
    ...(x.raw.firstError ? [`burst round ${i + 1}: raw error: ${x.raw.firstError}`] : []),
      ...(x.missing > 0 ? [`burst round ${i + 1}: ${x.missing} volume(s) reported created but not on the pool`] : []),
    ]),
  ];
  return {
    notes,
    rows: [
      { measure: `${label}: wall time${per}`, driver: ms(dWall), raw: ms(rWall), ratio: dWall / rWall, target: 'report only' },
      {
        measure: `${label}: throughput${per}`,
        driver: fig(dRate, 'vol/s'),
        raw: fig(rRate, 'vol/s'),
        ratio: dRate / rRate,
        target: `ratio ≥ ${THROUGHPUT_TARGET}`,
        ok: dRate / rRate >= THROUGHPUT_TARGET,
      },
      { measure: `${label}: errors (all rounds)`, driver: fig(dErrors, 'count'), raw: fig(rErrors, 'count'), target: '0', ok: dErrors === 0 },
      { measure: `${label}: duplicates or missing (all rounds)`, driver: fig(dup, 'count'), target: '0', ok: dup === 0 },
    ],
  };
}

/**
 * Item 5 (issue #9): `count` CreateVolume calls with distinct names issued at once, then `count`
 * CreateSnapshot calls at once, each beside `count` bare commands issued with the same concurrency.
 *
 * The driver runs as in production (no --zfs-prefix): on zfs-fuse it serialises its own mounting commands
 * (src/zfs/cli.ts). Bare concurrent `zfs create` that mount cannot be run on zfs-fuse: two mounts at once
 * wedge every mount on the host (test/bench/mount-guard.ts). So on zfs-fuse CreateVolume has two baselines:
 * the same creates without mounting (canmount=noauto: the ZFS work alone, all at once) and the same creates
 * each under flock (what zfs-fuse forces on anyone who mounts). On OpenZFS the baseline is the bare command.
 * Snapshots never mount: their baseline is the bare `zfs snapshot`, all at once, everywhere.
 */
import { join } from 'node:path';
import { P } from '../../src/provision/props.js';
import { startBenchDriver, type BenchDriver } from './driver-process.js';
import { CAP, SIZE } from './latency.js';
import { BASELINE, propertyTree, rawCreate, rawCreateUnmounted, rawSnapshot } from './raw.js';
import { fig, ms, type Row } from './report.js';
import { mountGuard, type MountGuard } from './mount-guard.js';
import { shells } from './shell.js';
import type { Scratch } from './scratch.js';
import { median } from './stats.js';

const DEADLINE_MS = 120_000;
/** DESIGN.md §7: throughput ≥ 0.9 × the bare commands at the same concurrency. */
const THROUGHPUT_TARGET = 0.9;

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
    wallMs, ok: count - failed.length, errors: failed.length,
    ...(first === undefined ? {} : { firstError: first instanceof Error ? first.message : String(first) }),
  };
}

/** CSI names that map to more than one object under the parent (the record is the csi-name property). */
async function duplicates(parent: string): Promise<{ duplicates: number; names: number }> {
  const byName = new Map<string, number>();
  for (const [name, value] of await propertyTree(parent, P.csiName)) {
    if (name === parent || value === '-') continue;
    byName.set(value, (byName.get(value) ?? 0) + 1);
  }
  return { duplicates: [...byName.values()].filter((n) => n > 1).length, names: byName.size };
}

interface Round {
  readonly volumes: Burst;
  readonly snapshots: Burst;
  /** Baseline name → its burst (see the file comment). */
  readonly raw: ReadonlyMap<string, Burst>;
  readonly duplicates: number;
  /** Objects the driver said it made that are not on the pool. */
  readonly missing: number;
}

type Baselines = ReadonlyArray<readonly [string, (parent: string, dir: string, i: number) => Promise<unknown>]>;

function createBaselines(guard: MountGuard): Baselines {
  if (guard.implementation !== 'zfs-fuse') return [['bare', (p, d, i) => rawCreate(`${p}/b${i}`, SIZE, join(d, `b${i}`))]];
  return [
    ['unmounted', (p, d, i) => rawCreateUnmounted(`${p}/b${i}`, SIZE, join(d, `b${i}`))],
    ['flock', (p, d, i) => rawCreate(`${p}/b${i}`, SIZE, join(d, `b${i}`), guard.prefix)],
  ];
}

async function round(scratch: Scratch, r: number, count: number, guard: MountGuard): Promise<Round> {
  const section = await scratch.section(`burst${r}`);
  const raws = await Promise.all(createBaselines(guard).map(async ([name, run]) => ({ name, run, s: await scratch.section(`burst${r}-${name}`) })));
  let driver: BenchDriver | undefined;
  try {
    driver = await startBenchDriver(scratch, section.parent, section.dir);
    const client = driver.client;
    const ids: string[] = [];
    const volumes = (): Promise<Burst> => burst(count, async (i) => {
      const res = await client.controller.CreateVolume(
        { name: `burst-${r}-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP }, { deadlineMs: DEADLINE_MS });
      ids[i] = res.volume?.volume_id ?? '';
    });
    const raw = new Map<string, Burst>();
    const runRaw = async (): Promise<void> => {
      await shells.warm(count); // one shell per command, started before the clock (shell.ts)
      for (const b of raws) raw.set(b.name, await burst(count, (i) => b.run(b.s.parent, b.s.dir, i)));
    };
    // Alternate which side goes first from round to round: both see the same pool conditions.
    const v = r % 2 === 0 ? await volumes() : (await runRaw(), await volumes());
    if (r % 2 === 0) await runRaw();
    const first = raws[0];
    const snaps = (): Promise<Burst> => burst(count, (i) =>
      client.controller.CreateSnapshot({ name: `burst-snap-${r}-${i}`, source_volume_id: ids[i] ?? '' }, { deadlineMs: DEADLINE_MS }));
    const rawSnaps = async (): Promise<Burst> => {
      await shells.warm(count);
      return burst(count, (i) => rawSnapshot(`${first?.s.parent ?? ''}/b${i}@s`));
    };
    let s: Burst;
    if (r % 2 === 0) {
      s = await snaps();
      raw.set('snapshot', await rawSnaps());
    } else {
      raw.set('snapshot', await rawSnaps());
      s = await snaps();
    }
    const pool = await duplicates(section.parent);
    return { volumes: v, snapshots: s, raw, duplicates: pool.duplicates, missing: v.ok + s.ok - pool.names };
  } finally {
    await driver?.stop();
    for (const b of raws) await scratch.dropSection(b.s);
    await scratch.dropSection(section);
  }
}

const rate = (b: Burst): number => b.ok / (b.wallMs / 1000);

function throughputRow(label: string, driver: number, raw: number, gated: boolean, unit: 'vol/s' | 'ops/s' = 'vol/s'): Row {
  return {
    measure: label, driver: fig(driver, unit), raw: fig(raw, unit), ratio: driver / raw,
    target: gated ? `ratio ≥ ${THROUGHPUT_TARGET}` : 'report only', ...(gated ? { ok: driver / raw >= THROUGHPUT_TARGET } : {}),
  };
}

export async function concurrentSection(scratch: Scratch, count: number, rounds: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const guard = await mountGuard(scratch.dir);
  const results: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`${count} concurrent CreateVolume and CreateSnapshot vs the bare commands at the same concurrency, round ${r + 1}/${rounds}`);
    results.push(await round(scratch, r, count, guard));
  }
  const med = (f: (x: Round) => number): number => median(results.map(f));
  const rawRate = (name: string): number => med((x) => { const b = x.raw.get(name); return b ? rate(b) : NaN; });
  const per = rounds > 1 ? `, median of ${rounds}` : '';
  const fuse = guard.implementation === 'zfs-fuse';
  const label = `${count} concurrent CreateVolume`;
  const volumeRows: Row[] = fuse
    ? [
        throughputRow(`${label}: throughput vs the same creates under flock (the zfs-fuse mount cost on both sides)${per}`, med((x) => rate(x.volumes)), rawRate('flock'), true),
        throughputRow(`${label}: throughput vs the same creates unmounted, all at once (without that cost)${per}`, med((x) => rate(x.volumes)), rawRate('unmounted'), false),
      ]
    : [throughputRow(`${label}: throughput vs bare zfs create, all at once${per}`, med((x) => rate(x.volumes)), rawRate('bare'), true)];
  const errors = results.reduce((a, x) => a + x.volumes.errors + x.snapshots.errors, 0);
  const rawErrors = results.reduce((a, x) => a + [...x.raw.values()].reduce((b, y) => b + y.errors, 0), 0);
  const dup = results.reduce((a, x) => a + x.duplicates + Math.max(0, x.missing), 0);
  const notes = [
    `concurrent baselines: ${fuse
      ? `\`${BASELINE.createUnmounted}\` all at once, and \`flock <lock> ${BASELINE.create}\` all at once (zfs-fuse wedges when two mounts race, so the bare mounting create cannot be run concurrently there)`
      : `\`${BASELINE.create}\` all at once`}; \`${BASELINE.snapshot}\` all at once. The driver runs without --zfs-prefix, as deployed`,
    ...results.flatMap((x, i) => [
      ...(x.volumes.firstError ? [`round ${i + 1}: CreateVolume error: ${x.volumes.firstError}`] : []),
      ...(x.snapshots.firstError ? [`round ${i + 1}: CreateSnapshot error: ${x.snapshots.firstError}`] : []),
      ...[...x.raw].flatMap(([n, b]) => (b.firstError ? [`round ${i + 1}: raw ${n} error: ${b.firstError}`] : [])),
      ...(x.missing > 0 ? [`round ${i + 1}: ${x.missing} object(s) reported created but not on the pool`] : []),
    ]),
  ];
  return {
    notes,
    rows: [
      { measure: `${label}: wall time${per}`, driver: ms(med((x) => x.volumes.wallMs)), raw: ms(med((x) => x.raw.get(fuse ? 'flock' : 'bare')?.wallMs ?? NaN)), target: 'report only' },
      ...volumeRows,
      throughputRow(`${count} concurrent CreateSnapshot: throughput vs bare zfs snapshot, all at once${per}`, med((x) => rate(x.snapshots)), rawRate('snapshot'), true, 'ops/s'),
      { measure: `${count} concurrent creates: errors (all rounds)`, driver: fig(errors, 'count'), raw: fig(rawErrors, 'count'), target: '0', ok: errors === 0 },
      { measure: `${count} concurrent creates: duplicates or missing (all rounds)`, driver: fig(dup, 'count'), target: '0', ok: dup === 0 },
    ],
  };
}

import { join } from 'node:path';
import { newSnapshotId } from '../../src/csi/ids.js';
import type { VolumeRecord, VolumeSpec } from '../../src/domain/types.js';
import type { CsiClient } from '../../src/grpc/client.js';
import { snapshotProps, volumeProps } from '../../src/provision/build.js';
import { cloneArgs, createArgs, snapshotArgs } from '../../src/zfs/argv.js';
import { startBenchDriver } from './driver-process.js';
import { volumeSpec } from './inprocess.js';
import { BASELINE, busyRetries, rawClone, rawCreate, rawDestroy, rawSnapshot, zfs } from './raw.js';
import { ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { summarize, timed } from './stats.js';
import { breakdown, type TraceLine } from './trace.js';
import { floorNote, floorRow, measureFloor, type Floor } from './floor.js';

const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);

export const SIZE = 64n << 20n;
export const CAP = [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }];
const DEADLINE_MS = 60_000;
/** DESIGN.md §7 / issue #9: p50 ≤ 1.15 × the bare command a person would type. */
const RATIO_TARGET = 1.15;

/** A side's step; a number it returns is its own timing (the baseline's, taken in the shell), in ms. */
type Step = (i: number) => Promise<unknown>;

/** The three sides of one measure: the driver, the raw command of DESIGN.md §3, and the driver's exact argv. */
interface Sides {
  readonly driver: Step;
  readonly raw: Step;
  readonly argv: Step;
}

type Samples = { readonly [K in keyof Sides]: number[] } & {
  /** Epoch ms at which each driver call left the client (split against the driver's trace `at`). */
  readonly driverStarts: number[];
};

/**
 * Runs every side n times, rotating which goes first each round so all see the same pool conditions
 * (zfs-fuse is one daemon, shared with whatever else runs).
 */
async function interleaved(n: number, sides: Sides): Promise<Samples> {
  const out: Samples = { driver: [], raw: [], argv: [], driverStarts: [] };
  const keys = ['driver', 'raw', 'argv'] as const;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(i + k) % keys.length] ?? 'driver';
      if (key === 'driver') out.driverStarts.push(performance.timeOrigin + performance.now());
      const { value, ms: wall } = await timed(() => sides[key](i));
      out[key].push(typeof value === 'number' ? value : wall);
    }
  }
  return out;
}

function rows(label: string, s: Samples, gated: boolean, floor: Floor): Row[] {
  const d = summarize(s.driver);
  const r = summarize(s.raw);
  const a = summarize(s.argv);
  const ratio = d.p50 / r.p50;
  return [
    {
      measure: `${label} p50 (N=${d.n})`,
      driver: ms(d.p50),
      raw: ms(r.p50),
      ratio,
      target: gated ? `ratio ≤ ${RATIO_TARGET}` : 'report only',
      ...(gated ? { ok: ratio <= RATIO_TARGET } : {}),
    },
    { measure: `${label} p95 (N=${d.n})`, driver: ms(d.p95), raw: ms(r.p95), ratio: d.p95 / r.p95, target: 'report only' },
    { measure: `  same, raw = the driver's exact zfs argv, p50`, driver: ms(d.p50), raw: ms(a.p50), ratio: d.p50 / a.p50, target: 'report only' },
    floorRow(floor, r.p50),
  ];
}

const volumeIdOf = (res: { volume?: { volume_id: string } | null }): string => {
  const id = res.volume?.volume_id;
  if (!id) throw new Error('CreateVolume returned no volume');
  return id;
};

const recordOf = (spec: VolumeSpec, mountpoint: string): VolumeRecord => ({
  ...spec, dataset: `${spec.parent}/${spec.id}`, mountpoint, retired: false, usedBytes: 0n,
});

/**
 * Items 1–4 of the benchmark: CreateVolume, CreateSnapshot, CreateVolume from a snapshot and DeleteVolume
 * through gRPC against a real driver process, each beside the raw `zfs` command of DESIGN.md §3 and beside
 * the exact argv the driver runs (user properties included), which separates driver overhead from ZFS cost.
 */
export async function latencySection(scratch: Scratch, n: number, progress: (s: string) => void, trace = false): Promise<{ rows: Row[]; notes: string[] }> {
  const section = await scratch.section('lat');
  const rawSection = await scratch.section('lat-raw');
  const argvSection = await scratch.section('lat-argv');
  const raw = rawSection.parent;
  const driver = await startBenchDriver(scratch, section.parent, section.dir, { trace });
  const c: CsiClient = driver.client;
  const opts = { deadlineMs: DEADLINE_MS };
  const volumes: string[] = [];
  const snapshots: string[] = [];
  const clones: string[] = [];
  const specs: VolumeSpec[] = [];
  const snapNames: string[] = [];
  const mp = (name: string): string => join(argvSection.dir, name);
  try {
    const cut: number[] = [driver.traces.length];
    progress(`CreateVolume × ${n} vs zfs create`);
    const create = await interleaved(n, {
      driver: async (i) => {
        volumes[i] = volumeIdOf(await c.controller.CreateVolume({ name: `lat-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP }, opts));
      },
      raw: (i) => rawCreate(`${raw}/r${i}`, SIZE, join(rawSection.dir, `r${i}`)),
      argv: (i) => {
        const spec = volumeSpec(argvSection.parent, `lat-${i}`, SIZE);
        specs[i] = spec;
        return zfs(createArgs(`${spec.parent}/${spec.id}`, volumeProps(spec, mp(spec.id))));
      },
    });
    cut.push(driver.traces.length);
    progress(`CreateSnapshot × ${n} vs zfs snapshot`);
    const snapshot = await interleaved(n, {
      driver: async (i) => {
        const res = await c.controller.CreateSnapshot({ name: `lat-snap-${i}`, source_volume_id: volumes[i] ?? '' }, opts);
        const id = res.snapshot?.snapshot_id;
        if (!id) throw new Error('CreateSnapshot returned no snapshot');
        snapshots[i] = id;
      },
      raw: (i) => rawSnapshot(`${raw}/r${i}@s`),
      argv: (i) => {
        const spec = specs[i];
        if (!spec) throw new Error('no volume for the argv snapshot');
        const id = newSnapshotId();
        snapNames[i] = `${spec.parent}/${spec.id}@${id}`;
        const props = snapshotProps({ id, name: `lat-snap-${i}`, sourceVolumeId: spec.id, node: spec.node }, recordOf(spec, mp(spec.id)), new Date());
        return zfs(snapshotArgs(snapNames[i] ?? '', props));
      },
    });
    cut.push(driver.traces.length);
    progress(`clone × ${n} vs zfs clone`);
    const clone = await interleaved(n, {
      driver: async (i) => {
        const res = await c.controller.CreateVolume(
          { name: `lat-clone-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP,
            volume_content_source: { snapshot: { snapshot_id: snapshots[i] ?? '' } } },
          opts,
        );
        clones[i] = volumeIdOf(res);
      },
      raw: (i) => rawClone(`${raw}/r${i}@s`, `${raw}/c${i}`, SIZE, join(rawSection.dir, `c${i}`)),
      argv: (i) => {
        const snap = snapNames[i] ?? '';
        const spec = { ...volumeSpec(argvSection.parent, `lat-clone-${i}`, SIZE), source: { kind: 'snapshot' as const, snapshotId: snap.split('@')[1] ?? '' } };
        specs[n + i] = spec;
        return zfs(cloneArgs(snap, `${spec.parent}/${spec.id}`, volumeProps(spec, mp(spec.id))));
      },
    });
    cut.push(driver.traces.length);
    progress(`DeleteVolume × ${n} vs zfs destroy`);
    const destroy = await interleaved(n, {
      driver: async (i) => void (await c.controller.DeleteVolume({ volume_id: clones[i] ?? '' }, opts)),
      raw: (i) => rawDestroy(`${raw}/c${i}`),
      argv: (i) => rawDestroy(`${argvSection.parent}/${specs[n + i]?.id ?? ''}`),
    });
    cut.push(driver.traces.length);
    progress('floor: GetPluginInfo, /bin/true from Node and from bash');
    const floor = await measureFloor(c, n * 2);
    const phase = (i: number): readonly TraceLine[] => driver.traces.slice(cut[i] ?? 0, cut[i + 1] ?? 0);
    return {
      rows: [
        ...rows('CreateVolume vs zfs create', create, true, floor),
        ...rows('CreateSnapshot vs zfs snapshot', snapshot, true, floor),
        ...rows('clone (CreateVolume from snapshot) vs zfs clone', clone, true, floor),
        ...rows('DeleteVolume vs zfs destroy', destroy, true, floor),
      ],
      notes: [
        `latency baselines, one at a time, alternating with the driver's call: \`${BASELINE.create}\`, \`${BASELINE.snapshot}\`, ` +
          `\`${BASELINE.clone}\`, \`${BASELINE.destroy}\` (from bash, timed there: shell.ts); "dataset is busy" retried ` +
          `as a person would (${busyRetries.count} retries in this run so far)`,
        'the "exact zfs argv" rows run the driver\'s own argv (its user properties) the same way: driver minus that is the driver\'s overhead',
        floorNote(floor),
        ...(trace ? [
          ...breakdown('CreateVolume', phase(0), 'Controller.CreateVolume', mean(create.driver), create.driverStarts),
          ...breakdown('CreateSnapshot', phase(1), 'Controller.CreateSnapshot', mean(snapshot.driver), snapshot.driverStarts),
          ...breakdown('clone', phase(2), 'Controller.CreateVolume', mean(clone.driver), clone.driverStarts),
          ...breakdown('DeleteVolume', phase(3), 'Controller.DeleteVolume', mean(destroy.driver), destroy.driverStarts),
        ] : []),
      ],
    };
  } finally {
    await driver.stop();
    for (const s of [argvSection, rawSection, section]) await scratch.dropSection(s);
  }
}

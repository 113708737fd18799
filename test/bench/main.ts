/**
 * `npm run bench`: the performance budget of DESIGN.md §7, each driver figure beside the raw `zfs` baseline
 * measured in the same run on the same pool. Progress goes to stderr; the table (or --json) to stdout.
 */
import { execa } from 'execa';
import { TEST_POOL } from '../support/pool.js';
import { concurrentSection } from './concurrent.js';
import { kubeAdoptionSection } from './kube-adoption.js';
import { kubeLatencySection } from './kube.js';
import { kubeRestoreSection } from './kube-restore.js';
import { latencySection } from './latency.js';
import { mountLockSection } from './mount-lock.js';
import { parseOptions, type BenchOptions } from './options.js';
import { allOk, renderTable, type BenchResult, type Row } from './report.js';
import { preflight } from './preflight.js';
import { Scratch } from './scratch.js';
import { startupSection } from './startup.js';
import { shells } from './shell.js';
import { transferSection } from './transfer.js';
import { volumeStatsSection } from './volume-stats.js';

const began = performance.now();
const progress = (what: string): void => {
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${what}\n`);
};

interface Section {
  readonly name: string;
  readonly run: () => Promise<{ rows: Row[]; notes?: string[] }>;
}

function sections(scratch: Scratch, o: BenchOptions): Section[] {
  return [
    { name: 'latency (CreateVolume, CreateSnapshot, clone, DeleteVolume)', run: () => latencySection(scratch, o.n, progress, o.trace) },
    { name: 'CreateVolume by zfs-fuse mount-lock scope', run: () => mountLockSection(scratch, o.n, progress) },
    { name: `${o.burst} concurrent CreateVolume`, run: () => concurrentSection(scratch, o.burst, o.burstRounds, progress) },
    { name: `start-up scan and RSS at ${o.volumes} volumes`, run: () => startupSection(scratch, o.volumes, o.createConcurrency, progress) },
    { name: 'NodeGetVolumeStats', run: async () => ({ rows: await volumeStatsSection(scratch, o.statsCalls, progress) }) },
    { name: `transfers between nodes (${o.transferMiB} MiB)`, run: () => transferSection(scratch, o.transferMiB, o.transferRounds, progress) },
    { name: 'Kubernetes mode: CreateVolume', run: () => kubeLatencySection(scratch, o.n, progress) },
    { name: 'Kubernetes mode: CreateVolume, agent mount lock process (no flock, as on OpenZFS)', run: () => kubeLatencySection(scratch, o.n, progress, 'process') },
    { name: `Kubernetes mode: cross-node restore (${o.transferMiB} MiB)`, run: () => kubeRestoreSection(scratch, o.transferMiB, progress) },
    { name: `Kubernetes mode: agent start-up at ${o.volumes} resources`, run: () => kubeAdoptionSection(scratch, o.volumes, o.createConcurrency, progress) },
  ];
}

/** A section that throws still leaves a row saying so; the other sections run. */
async function runAll(scratch: Scratch, o: BenchOptions): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const chosen = sections(scratch, o).filter((s) => o.only.length === 0 || o.only.some((w) => s.name.toLowerCase().includes(w)));
  for (const s of chosen) {
    try {
      const out = await s.run();
      rows.push(...out.rows);
      notes.push(...(out.notes ?? []));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`section failed: ${s.name}: ${message}`);
      rows.push({ measure: `${s.name}: FAILED`, driver: message.split('\n')[0]?.slice(0, 80) ?? 'error', target: 'completes', ok: false });
    }
  }
  return { rows, notes };
}

async function leftovers(root: string): Promise<boolean> {
  const r = await execa('/sbin/zfs', ['list', '-H', '-o', 'name', root], { reject: false });
  return r.exitCode === 0;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const scratch = await Scratch.create();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    progress('interrupted: cleaning up');
    void scratch.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  progress(`pool ${TEST_POOL}, scratch ${scratch.root}, ${options.quick ? 'quick' : 'full'} run`);
  let result: { rows: Row[]; notes: string[] };
  try {
    await preflight(scratch);
    result = await runAll(scratch, options);
  } finally {
    progress('cleaning up');
    shells.close();
    await scratch.cleanup();
  }
  const notes = [
    'raw baselines: /sbin/zfs run from bash and timed there with $EPOCHREALTIME (what `time zfs …` prints; one shell per command in flight, started beforehand), same pool, interleaved with the driver runs',
    'driver figures: a real `zfs-csi serve --mode standalone` process over its unix socket (log level warn), unless marked in-process',
    ...result.notes,
    ...scratch.problems.map((p) => `CLEANUP PROBLEM: ${p}`),
    ...((await leftovers(scratch.root)) ? [`CLEANUP INCOMPLETE: ${scratch.root} still exists`] : []),
  ];
  const out: BenchResult = {
    pool: TEST_POOL,
    quick: options.quick,
    startedAt,
    durationSeconds: (performance.now() - began) / 1000,
    notes,
    rows: result.rows,
  };
  if (options.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(`zfs-csi benchmark (DESIGN.md §7) — pool ${out.pool}, ${out.quick ? 'quick' : 'full'} run, ${out.durationSeconds.toFixed(0)} s\n\n`);
    process.stdout.write(`${renderTable(out.rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
    process.stdout.write(`\nall targets met: ${allOk(out.rows) ? 'yes' : 'NO'}\n`);
  }
  process.exitCode = options.strict && !allOk(out.rows) ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
});

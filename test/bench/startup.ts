import { zfs } from './raw.js';
import { loadState } from '../../src/provision/startup.js';
import { SCAN_PROPS } from '../../src/provision/props.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { getArgs } from '../../src/zfs/argv.js';
import { join } from 'node:path';
import { startBenchDriver } from './driver-process.js';
import { createUnmountedRecord, inProcess, type InProcess } from './inprocess.js';
import { SIZE } from './latency.js';
import { fig, ms, type Row } from './report.js';
import type { Scratch } from './scratch.js';
import { median, pool, timed } from './stats.js';

const SCAN_TARGET_MS = 3000;
export const RSS_IDLE_MIB = 80;
export const RSS_LOADED_MIB = 150;
const REPEATS = 3;

interface Scan {
  readonly ms: number;
  readonly calls: number;
  readonly volumes: number;
  readonly foreign: number;
}

/** loadState in-process, the zfs calls it makes counted by the runner's onCommand observer. */
async function scan(p: InProcess, parent: string): Promise<Scan> {
  p.counter.reset();
  const { value, ms: elapsed } = await timed(() => loadState(p.zfs, new MemoryStore(), [parent]));
  return { ms: elapsed, calls: p.counter.zfs, volumes: value.volumes, foreign: value.foreign.length };
}

/** The floor of any scan: the one raw `zfs get -r` of the same properties. */
async function rawScan(parent: string): Promise<number> {
  return zfs(getArgs([parent], SCAN_PROPS, { recursive: true })); // from bash, timed there (raw.ts)
}

/** Runs loadState and the raw scan REPEATS times each, alternating; medians. */
async function scans(p: InProcess, parent: string): Promise<{ driver: Scan; rawMs: number }> {
  const driver: Scan[] = [];
  const raw: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    if (i % 2 === 1) raw.push(await rawScan(parent));
    driver.push(await scan(p, parent));
    if (i % 2 === 0) raw.push(await rawScan(parent));
  }
  const mid = [...driver].sort((a, b) => a.ms - b.ms)[Math.floor(driver.length / 2)] ?? driver[0];
  if (!mid) throw new Error('no scan ran');
  return { driver: mid, rawMs: median(raw) };
}

/**
 * Item 6 and 8: the start-up scan at `count` volumes (time, zfs calls against the calls at 0 volumes), the
 * time a fresh driver process takes to answer Probe ready, and its RSS idle and with the volumes loaded.
 */
export async function startupSection(scratch: Scratch, count: number, concurrency: number, progress: (s: string) => void): Promise<{ rows: Row[]; notes: string[] }> {
  const section = await scratch.section('scan');
  const mountRoot = join(section.dir, 'mounts');
  const p = inProcess(section.parent, mountRoot, concurrency);
  try {
    progress('driver start on an empty parent (idle RSS)');
    const idle = await startBenchDriver(scratch, section.parent, section.dir);
    const idleRss = await idle.rssMiB();
    await idle.stop();
    const empty = await scans(p, section.parent);

    progress(`creating ${count} volume records (the Provisioner's zfs create properties, not mounted; ${concurrency} at a time)`);
    // One signal per call: a shared one would collect a listener per in-flight zfs process.
    const made = await timed(() =>
      pool(count, concurrency, (i) => createUnmountedRecord(p, section.parent, `scan-${i}`, SIZE, new AbortController().signal)),
    );
    progress(`start-up scan of ${count} volumes`);
    const full = await scans(p, section.parent);
    progress(`driver start with ${count} volumes`);
    const loaded = await startBenchDriver(scratch, section.parent, section.dir);
    const loadedRss = await loaded.rssMiB();
    await loaded.stop();

    const notes = [
      `scan fixture: ${count} volumes made with the Provisioner's own \`zfs create\` properties plus canmount=noauto ` +
        `(zfs-fuse serves at most 1,000 mounts) in ${(made.ms / 1000).toFixed(1)} s ` +
        `(${(count / (made.ms / 1000)).toFixed(0)} vol/s, ${concurrency} at a time); the scan found ` +
        `${full.driver.volumes} volumes and ${full.driver.foreign} foreign objects`,
    ];
    const v = count.toLocaleString('en');
    return {
      notes,
      rows: [
        { measure: `start-up scan (loadState), ${v} volumes`, driver: ms(full.driver.ms), raw: ms(full.rawMs), ratio: full.driver.ms / full.rawMs,
          target: `≤ ${SCAN_TARGET_MS / 1000} s, finds all ${v}`, ok: full.driver.ms <= SCAN_TARGET_MS && full.driver.volumes === count && full.driver.foreign === 0 },
        { measure: `start-up scan zfs calls, ${v} volumes`, driver: fig(full.driver.calls, 'calls'), raw: `${empty.driver.calls} calls at 0 volumes`,
          target: 'constant (= calls at 0 volumes)', ok: full.driver.calls === empty.driver.calls },
        { measure: 'driver process: spawn → Probe ready, empty parent', driver: ms(idle.readyMs), raw: ms(empty.rawMs), target: 'report only' },
        { measure: `driver process: spawn → Probe ready, ${v} volumes`, driver: ms(loaded.readyMs), raw: ms(full.rawMs),
          target: `≤ ${SCAN_TARGET_MS / 1000} s`, ok: loaded.readyMs <= SCAN_TARGET_MS },
        { measure: 'driver RSS idle (right after ready)', driver: fig(idleRss, 'MiB'), target: `≤ ${RSS_IDLE_MIB} MiB`, ok: idleRss <= RSS_IDLE_MIB },
        { measure: `driver RSS with ${v} volumes loaded`, driver: fig(loadedRss, 'MiB'), target: `≤ ${RSS_LOADED_MIB} MiB`, ok: loadedRss <= RSS_LOADED_MIB },
      ],
    };
  } finally {
    progress(`removing the ${count} scan volumes`);
    await scratch.dropSection(section);
  }
}

/**
 * DESIGN.md §7 "CreateVolume in Kubernetes mode (controller → resource → agent → status), fake API server:
 * ≤ 1.6 × the bare `zfs create`, p50": a controller process and a node agent process against the in-process fake
 * API server, CreateVolume over the controller's socket, beside the raw `zfs create` of DESIGN.md §3.
 */
import { join } from 'node:path';
import { phaseNotes, type CallWindow } from './kube-phases.js';
import { benchTopology, startAgent, startController, startKubeRig, waitForCapacity } from './kube-rig.js';
import { CAP, SIZE } from './latency.js';
import { BASELINE, rawCreate } from './raw.js';
import { rssMiB } from './driver-process.js';
import { fig, ms, type Row } from './report.js';
import { RSS_IDLE_MIB } from './startup.js';
import type { Scratch } from './scratch.js';
import { summarize } from './stats.js';

/** Issue #9: Kubernetes mode CreateVolume ≤ 1.6 × the bare command, p50. */
const RATIO_TARGET = 1.6;
const DEADLINE_MS = 60_000;

/** "POST zfsvolumes 1.00, PATCH zfsvolumes 2.00, …": what each call cost the API server, by verb and resource. */
function apiRequestsPerCall(records: ReadonlyArray<{ readonly method: string; readonly path: string }>, calls: number): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const parts = r.path.split('/').filter((x) => x !== '');
    const resource = parts.find((x) => /^zfs[a-z]+s$/.test(x) || ['leases', 'events', 'nodes'].includes(x)) ?? parts[parts.length - 1] ?? '?';
    const status = parts[parts.length - 1] === 'status' ? '/status' : '';
    const key = `${r.method} ${resource}${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / calls).toFixed(2)}`).join(', ') || 'none';
}

/**
 * `lock`: the agent's `--zfs-fuse-mount-lock`. 'host' (the default) is the gated figure; 'process' drops
 * the flock process per mounting command, the cost zfs-fuse forces and OpenZFS does not have (issue #9:
 * "show both numbers"), and is reported only.
 */
export async function kubeLatencySection(scratch: Scratch, n: number, progress: (s: string) => void, lock: 'host' | 'process' = 'host'): Promise<{ rows: Row[]; notes: string[] }> {
  const section = await scratch.section('kube');
  const rawSection = await scratch.section('kube-raw');
  const rig = await startKubeRig(scratch, section.dir);
  const agent = await startAgent(scratch, rig, section.parent, section.dir, lock === 'host' ? [] : ['--zfs-fuse-mount-lock', lock]);
  const controller = await startController(scratch, rig, section.dir);
  try {
    await waitForCapacity(controller);
    // DESIGN.md §7's RSS budget is the node process's; in Kubernetes mode that is the agent.
    const idleRss = { agent: await rssMiB(agent.pid ?? 0), controller: await rssMiB(controller.pid ?? 0) };
    progress(`Kubernetes-mode CreateVolume × ${n} vs zfs create`);
    const driver: number[] = [];
    const windows: CallWindow[] = [];
    const raw: number[] = [];
    rig.server.requests.clear();
    for (let i = 0; i < n; i++) {
      // Alternate which side goes first, so both see the same pool conditions.
      const sides = [
        async () => {
          const startMs = performance.now();
          await controller.client.controller.CreateVolume({
            name: `kube-${i}`, capacity_range: { required_bytes: String(SIZE) }, volume_capabilities: CAP,
            accessibility_requirements: { requisite: [benchTopology], preferred: [benchTopology] },
          }, { deadlineMs: DEADLINE_MS });
          const endMs = performance.now();
          windows.push({ startMs, endMs });
          driver.push(endMs - startMs);
        },
        async () => raw.push(await rawCreate(`${rawSection.parent}/r${i}`, SIZE, join(rawSection.dir, `r${i}`))),
      ];
      for (const side of i % 2 === 0 ? sides : sides.reverse()) await side();
    }
    const records = rig.server.requests.all;
    const apiCalls = apiRequestsPerCall(records.filter((x) => !x.watch), n);
    const d = summarize(driver);
    const r = summarize(raw);
    const label = `CreateVolume, Kubernetes mode (controller → ZfsVolume → agent → status${lock === 'host' ? '' : ', agent --zfs-fuse-mount-lock process'}) vs zfs create`;
    const gated = lock === 'host';
    return {
      rows: [
        { measure: `${label} p50 (N=${d.n})`, driver: ms(d.p50), raw: ms(r.p50), ratio: d.p50 / r.p50,
          ...(gated ? { target: `ratio ≤ ${RATIO_TARGET}`, ok: d.p50 / r.p50 <= RATIO_TARGET } : { target: 'report only' }) },
        { measure: `${label} p95 (N=${d.n})`, driver: ms(d.p95), raw: ms(r.p95), ratio: d.p95 / r.p95, target: 'report only' },
        ...(gated ? [
          { measure: 'node agent RSS idle (Kubernetes mode, right after ready)', driver: fig(idleRss.agent, 'MiB'), target: `≤ ${RSS_IDLE_MIB} MiB`, ok: idleRss.agent <= RSS_IDLE_MIB },
          { measure: 'controller RSS idle', driver: fig(idleRss.controller, 'MiB'), target: 'report only' },
        ] : []),
      ],
      notes: gated ? [
        'Kubernetes mode: `serve --mode controller` and `--mode node` processes (log level warn) against the fake API server in the benchmark process; ' +
          `raw = the bare \`${BASELINE.create}\`, one at a time (no lock: nothing else mounts meanwhile)`,
        `Kubernetes mode: API requests per CreateVolume (both processes, watches excluded, capacity publishing included): ${apiCalls}`,
        ...phaseNotes(windows, records),
      ] : phaseNotes(windows, records).map((line) => `${line} (agent mount lock: process)`),
    };
  } finally {
    await controller.stop();
    await agent.stop();
    for (const s of [rawSection, section]) await scratch.dropSection(s);
  }
}

/**
 * Where a Kubernetes-mode CreateVolume's time goes (issue #9 "find where every millisecond goes"), read off
 * the fake API server's request log: the bench process is the client and the API server, so one clock
 * times the gRPC call and the arrival of each of its writes. Calls run one at a time, so a write belongs
 * to the call whose window holds it.
 */
import type { RequestRecord } from '../k8s/fake-apiserver/index.js';
import { percentile } from './stats.js';

export interface CallWindow {
  readonly startMs: number;
  readonly endMs: number;
}

const PHASES = [
  'controller → POST ZfsVolume',
  'POST → agent finalizer PATCH (watch to agent)',
  'finalizer → status PATCH (agent: zfs create, mount)',
  'status PATCH → answer (watch to controller, reply)',
] as const;

const isVolumeWrite = (r: RequestRecord): boolean => !r.watch && /\/zfsvolumes(\/|$)/.test(r.path);

/** Phase durations of one call, or undefined when its writes are not the expected three. */
function phasesOf(call: CallWindow, writes: readonly RequestRecord[]): number[] | undefined {
  const own = writes.filter((r) => r.arrivedMs >= call.startMs && r.arrivedMs <= call.endMs);
  const post = own.find((r) => r.method === 'POST');
  const finalizer = own.find((r) => r.method === 'PATCH' && !r.path.endsWith('/status'));
  const status = own.find((r) => r.method === 'PATCH' && r.path.endsWith('/status'));
  if (post === undefined || finalizer === undefined || status === undefined) return undefined;
  return [post.arrivedMs - call.startMs, finalizer.arrivedMs - post.arrivedMs, status.arrivedMs - finalizer.arrivedMs, call.endMs - status.arrivedMs];
}

/** One note line per phase: p50, p95 and max over the calls, and how many calls could not be split. */
export function phaseNotes(calls: readonly CallWindow[], records: readonly RequestRecord[]): string[] {
  const writes = records.filter(isVolumeWrite);
  const split = calls.map((c) => phasesOf(c, writes));
  const ok = split.filter((p): p is number[] => p !== undefined);
  const notes = PHASES.map((name, i) => {
    const xs = ok.map((p) => p[i] ?? Number.NaN);
    const f = (v: number): string => `${v.toFixed(1)} ms`;
    return `Kubernetes mode phase "${name}": p50 ${f(percentile(xs, 50))}, p95 ${f(percentile(xs, 95))}, max ${f(Math.max(...xs))}`;
  });
  if (ok.length < calls.length) notes.push(`Kubernetes mode phases: ${calls.length - ok.length} of ${calls.length} calls had not the three writes and are left out`);
  return notes;
}

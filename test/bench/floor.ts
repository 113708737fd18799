/**
 * The lowest latency any driver built like this one could reach on this machine (issue #9, item 2): the bare
 * command, plus one gRPC round trip that does nothing (GetPluginInfo: transport, decoding, the adapter, no
 * ZFS), plus what starting a process costs Node with the driver's runner over what it costs bash. It is a
 * reference beside the target, never a baseline: the baseline stays the bare command (raw.ts).
 */
import type { CsiClient } from '../../src/grpc/client.js';
import { ExecaRunner } from '../../src/zfs/exec.js';
import { ms, type Row } from './report.js';
import { shells } from './shell.js';
import { summarize, timed } from './stats.js';

const TRUE = '/bin/true';

export interface Floor {
  /** p50 of a GetPluginInfo round trip against the driver, ms. */
  readonly grpcMs: number;
  /** p50 of `/bin/true` through ExecaRunner from this Node process, minus the same from bash, ms. */
  readonly startMs: number;
  readonly n: number;
}

/** The three parts, alternating round by round so each sees the same machine. */
export async function measureFloor(client: CsiClient, n: number): Promise<Floor> {
  const runner = new ExecaRunner();
  const grpc: number[] = [];
  const node: number[] = [];
  const bash: number[] = [];
  for (let i = 0; i < n; i++) {
    grpc.push((await timed(() => client.identity.GetPluginInfo({}))).ms);
    node.push((await timed(() => runner.run(TRUE, []))).ms);
    const r = await shells.run([TRUE]);
    if (r.exitCode !== 0) throw new Error(`${TRUE} from bash exited ${r.exitCode}`);
    bash.push(r.ms);
  }
  const startMs = Math.max(0, summarize(node).p50 - summarize(bash).p50);
  return { grpcMs: summarize(grpc).p50, startMs, n };
}

/** A report-only row: the floor for a measure whose bare command took `rawP50` ms, and its ratio. */
export function floorRow(floor: Floor, rawP50: number): Row {
  const value = rawP50 + floor.grpcMs + floor.startMs;
  return { measure: '  floor: bare + a no-op gRPC call + Node\'s cost to start a process, p50', driver: ms(value), raw: ms(rawP50), ratio: value / rawP50, target: 'report only' };
}

export const floorNote = (f: Floor): string =>
  `floor rows: the bare command's p50 + ${f.grpcMs.toFixed(2)} ms (GetPluginInfo round trip, p50 of ${f.n}) + ` +
  `${f.startMs.toFixed(2)} ms (\`${TRUE}\` through the driver's ExecaRunner from the benchmark's Node process, minus from bash): ` +
  'the lowest ratio a driver that answers over grpc-js and starts each command with execa could show here';

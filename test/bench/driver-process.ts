import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CsiClient } from '../../src/grpc/client.js';
import { probeUntilReady } from '../support/ready.js';
import type { Scratch } from './scratch.js';
import { parseTraceLine, type TraceLine } from './trace.js';
import { NODE_RUNTIME_FLAGS } from '../../src/app/runtime-flags.js';

const MAIN = new URL('../../src/app/main.js', import.meta.url).pathname;
const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 120_000;

/** A real `zfs-csi serve --mode standalone` process, with its pid (RSS) and how long it took to be ready. */
export interface BenchDriver {
  readonly pid: number;
  readonly client: CsiClient;
  readonly mountRoot: string;
  /** From spawn until Probe first answered ready (state rebuilt from the pool). */
  readonly readyMs: number;
  /** VmRSS of the process, MiB. */
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
  /** The span lines of every call so far (only with `trace`). */
  readonly traces: readonly TraceLine[];
}

/**
 * Starts the driver on `parent`, its socket and mount root under `dir`. Unlike test/support/driver.ts it
 * keeps the pid and polls Probe every 10 ms (a fresh channel each time: support/ready.ts), so the start-up
 * time is measured, not just awaited.
 */
export interface BenchDriverOptions {
  readonly logLevel?: string;
  /** The driver's --zfs-prefix (argv before zfs and mount), e.g. the zfs-fuse mount guard. */
  readonly zfsPrefix?: readonly string[];
  /** ZFS_CSI_TRACE=1: the driver writes a span line per call (collected in `traces`). */
  readonly trace?: boolean;
  /** --node-id (default bench-node). */
  readonly nodeId?: string;
  /** More serve flags (the transfer section's --peer and TLS files). */
  readonly extraArgs?: readonly string[];
}

export async function startBenchDriver(scratch: Scratch, parent: string, dir: string, options: BenchDriverOptions = {}): Promise<BenchDriver> {
  const mountRoot = join(dir, 'mounts');
  const endpoint = `unix://${join(dir, 'csi.sock')}`;
  let output = '';
  const started = performance.now();
  const proc = execa(
    process.execPath,
    [...NODE_RUNTIME_FLAGS, MAIN, 'serve', '--mode', 'standalone', '--endpoint', endpoint, '--node-id', options.nodeId ?? 'bench-node', '--parent', parent,
      '--mount-root', mountRoot, '--publish-root', dir, '--log-level', options.logLevel ?? 'warn',
      ...(options.zfsPrefix?.length ? ['--zfs-prefix', options.zfsPrefix.join(' ')] : []), ...(options.extraArgs ?? [])],
    { reject: false, all: true, buffer: false, ...(options.trace === true ? { env: { ZFS_CSI_TRACE: '1' } } : {}) },
  );
  // Drained so the driver never blocks on a full pipe; the tail is kept for error messages.
  const traces: TraceLine[] = [];
  let partial = '';
  proc.all?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    if (options.trace !== true) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const t = parseTraceLine(line);
      if (t) traces.push(t);
    }
  });
  const exited = proc.then(() => undefined);
  let client: CsiClient | undefined;
  const stop = async (): Promise<void> => {
    client?.close();
    proc.kill('SIGKILL');
    await exited;
  };
  scratch.onCleanup(stop);
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`driver did not start:\n${output}`);
  client = await probeUntilReady(endpoint, exited, { pollMs: READY_POLL_MS, timeoutMs: READY_TIMEOUT_MS, logs: () => output });
  const readyMs = performance.now() - started;
  return { pid, client, mountRoot, readyMs, rssMiB: () => rssMiB(pid), stop, traces };
}

/** VmRSS from /proc/<pid>/status, in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

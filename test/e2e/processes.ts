/**
 * `zfs-csi serve` as a separate process (issue 3 §6: controller and agents in separate processes), the way a
 * kubelet runs it: started from the built entry point, restarted on the same flags after a crash. A crash
 * is a container kill: the process and the `zfs`/`flock` children it started die together, wherever the
 * in-flight work has reached.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { createCsiClient, type CsiClient } from '../../src/grpc/client.js';
import { descendantsOf } from '../support/procfs.js';
import { probeUntilReady } from '../support/ready.js';
import { NODE_RUNTIME_FLAGS } from '../../src/app/runtime-flags.js';

const MAIN = new URL('../../src/app/main.js', import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;
const LOG_TAIL = 20_000;
/** ZFS_CSI_E2E_LOG_DIR: also keep each process's whole output in <dir>/<name>.log (debugging a failure). */
const LOG_DIR = process.env['ZFS_CSI_E2E_LOG_DIR'];

export class ServeProcess {
  client: CsiClient;
  private proc: { readonly pid?: number | undefined; kill(signal: NodeJS.Signals): boolean } | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  /** `args` are the serve flags after `serve`; `--endpoint unix://<socket>` must be among them. */
  constructor(
    readonly name: string,
    readonly endpoint: string,
    private readonly args: readonly string[],
    private readonly env: Readonly<Record<string, string>> = {},
  ) {
    this.client = createCsiClient(endpoint);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** The last lines the process wrote (for failure messages). */
  logs(): string {
    return this.output;
  }

  /** Spawns the process and waits until CSI Probe answers ready; `extraArgs` for this run only (a restart with a flag). */
  async start(extraArgs: readonly string[] = []): Promise<void> {
    if (this.proc) throw new Error(`${this.name} is already running`);
    const proc = execa(process.execPath, [...NODE_RUNTIME_FLAGS, MAIN, 'serve', ...this.args, ...extraArgs], { reject: false, all: true, buffer: false, stdin: 'ignore', env: this.env });
    proc.all?.on('data', (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-LOG_TAIL);
      if (LOG_DIR) appendFileSync(join(LOG_DIR, `${this.name}.log`), chunk);
    });
    this.proc = proc;
    this.exited = proc.then(() => undefined);
    await this.waitReady();
  }

  /** Until Probe answers ready (support/ready.ts: a fresh channel per attempt, so no reconnect backoff is timed). */
  private async waitReady(): Promise<void> {
    const ready = await probeUntilReady(this.endpoint, this.exited, { pollMs: 50, timeoutMs: READY_TIMEOUT_MS, logs: () => this.output, name: this.name });
    this.client.close();
    this.client = ready;
  }


  /** SIGKILL of the process and its children at once (SIGSTOP first, so it starts no new child meanwhile). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid) return;
    signal(proc.pid, 'SIGSTOP');
    for (const child of await descendantsOf(proc.pid)) signal(child, 'SIGKILL');
    signal(proc.pid, 'SIGKILL');
    await this.exited;
    this.proc = undefined;
  }

  /** SIGTERM (drain), SIGKILL if it has not gone within timeoutMs. */
  async stop(timeoutMs = 5000): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => void this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    this.proc = undefined;
  }

  close(): void {
    this.client.close();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}


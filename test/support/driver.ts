import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CsiClient } from '../../src/grpc/client.js';
import { probeUntilReady } from './ready.js';
import { destroyScratch, uniqueParent } from './pool.js';
import { NODE_RUNTIME_FLAGS } from '../../src/app/runtime-flags.js';

const MAIN = new URL('../../src/app/main.js', import.meta.url).pathname;

export interface DriverOptions {
  /** Parent dataset; a unique scratch one by default. */
  readonly parent?: string;
  readonly nodeId?: string;
  /** Reuse this directory for socket and mounts (restarts after a crash keep the same paths). */
  readonly dir?: string;
  readonly logLevel?: string;
  /** More `serve` flags, appended after the ones above (e.g. `['--metrics-address', '127.0.0.1:9808']`). */
  readonly extraArgs?: readonly string[];
}

/** A real `zfs-csi serve --mode standalone` process on a scratch parent, with a client for it. */
export interface Driver {
  readonly parent: string;
  readonly nodeId: string;
  readonly dir: string;
  readonly mountRoot: string;
  readonly endpoint: string;
  readonly client: CsiClient;
  readonly logs: () => string;
  /** SIGTERM and wait (drain). */
  stop(): Promise<void>;
  /** The process's exit code once it has exited (undefined before, or when a signal killed it). */
  exitCode(): number | undefined;
  /** SIGKILL at once: the crash tests' hammer. */
  kill(): Promise<void>;
  /** Everything the test made: the process, mounts below dir, the parent dataset, the directory. */
  cleanup(): Promise<void>;
}

export async function startDriver(options: DriverOptions = {}): Promise<Driver> {
  const parent = options.parent ?? uniqueParent('t');
  const nodeId = options.nodeId ?? 'test-node';
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'zfs-csi-')));
  const mountRoot = join(dir, 'mounts');
  const endpoint = `unix://${join(dir, 'csi.sock')}`;
  let output = '';
  const proc = execa(
    process.execPath,
    [...NODE_RUNTIME_FLAGS, MAIN, 'serve', '--mode', 'standalone', '--endpoint', endpoint, '--node-id', nodeId, '--parent', parent,
      '--mount-root', mountRoot, '--log-level', options.logLevel ?? 'warn',
      // Tests make their publish targets in the driver's directory (the kubelet directory in production).
      ...(options.extraArgs?.includes('--publish-root') === true ? [] : ['--publish-root', dir]), ...(options.extraArgs ?? [])],
    { reject: false, all: true, buffer: false },
  );
  proc.all?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let code: number | undefined;
  const exited = proc.then((r) => {
    code = r.exitCode;
  });
  const client: CsiClient = await probeUntilReady(endpoint, exited, { pollMs: 100, timeoutMs: 20_000, logs: () => output });
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    proc.kill(signal);
    await exited;
  };
  return {
    parent, nodeId, dir, mountRoot, endpoint, client,
    logs: () => output,
    stop: () => stopWith('SIGTERM'),
    exitCode: () => code,
    kill: () => stopWith('SIGKILL'),
    async cleanup() {
      client.close();
      await stopWith('SIGKILL');
      await destroyScratch(parent, [dir]);
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { NODE_RUNTIME_FLAGS } from '../../src/app/runtime-flags.js';
import { packageRoot } from '../../src/grpc/load.js';
import type { TestPki } from '../support/certs.js';
import { startDriver, type Driver } from '../support/driver.js';
import { uniqueParent } from '../support/pool.js';

const MAIN = join(packageRoot, 'dist', 'src', 'app', 'main.js');

/** A free loopback port (the peers must know each other's before either starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Where one standalone peer lives; kept across restarts (same parent, directory and port). */
export interface PeerSpec {
  readonly id: string;
  readonly parent: string;
  readonly dir: string;
  readonly port: number;
  readonly args: readonly string[];
}

export async function peerSpec(id: string, pool: string, pki: TestPki, port: number, peers: Readonly<Record<string, number>>, stallSeconds = 60): Promise<PeerSpec & { readonly metricsPort: number }> {
  const tls = await pki.node(id);
  const metricsPort = await freePort();
  return {
    id, port, metricsPort, parent: uniqueParent(`x${id.slice(-1)}`, pool), dir: await mkdtemp(join(tmpdir(), `zfs-csi-${id}-`)),
    args: [
      '--transfer-listen', `127.0.0.1:${port}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca,
      '--transfer-stall-timeout', String(stallSeconds), '--metrics-address', `127.0.0.1:${metricsPort}`,
      ...Object.entries(peers).flatMap(([node, p]) => ['--peer', `${node}=127.0.0.1:${p}`]),
    ],
  };
}

/** A real `serve --mode standalone` process for the spec (a restart reuses it). */
export function startPeer(spec: PeerSpec): Promise<Driver> {
  return startDriver({ nodeId: spec.id, parent: spec.parent, dir: spec.dir, extraArgs: spec.args });
}

/** `zfs-csi ctl ...` against the driver, as a person would run it; --json output decoded. */
export async function ctl(driver: Driver, args: readonly string[]): Promise<{ exitCode: number; json: unknown; stderr: string }> {
  const r = await execa(process.execPath, [...NODE_RUNTIME_FLAGS, MAIN, 'ctl', '--endpoint', driver.endpoint, '--json', ...args], { reject: false, timeout: 300_000 });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout) as unknown;
  } catch {
    json = undefined;
  }
  return { exitCode: r.exitCode ?? -1, json, stderr: r.stderr };
}

/** GET on the admin socket (fast polling; `ctl` is a whole process per call). */
export function adminGet(driver: Driver, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(driver.dir, 'admin.sock'), path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.end();
  });
}

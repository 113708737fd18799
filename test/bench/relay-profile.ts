import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

/**
 * Issue #8's relay alone, for A/B runs of builds side by side: a source process's stdout → the transfer
 * framing → loopback mutual TLS → a second Node process → the sink process's stdin, as in the bench
 * (sender and receiver are separate processes there too). Each build is a copy of dist/src/transfer
 * passed with --lib; rounds alternate the builds and, with --zfs, the bare `zfs send | zfs receive` pipe.
 *
 *   node dist/test/bench/relay-profile.js --lib A=dist/ab/A --lib B=dist/src --file /dev/shm/x --rounds 3
 *   node dist/test/bench/relay-profile.js --lib ... --zfs pool/ds@snap --into pool2/parent --rounds 3
 *
 * Each row: wall time, MiB/s, and the CPU of the sending and receiving Node processes (user+system).
 */
type Lib = { readonly name: string; readonly dir: string };
interface Args { libs: Lib[]; file?: string; zfs?: string; into?: string; rounds: number; tls: { cert: string; key: string; ca: string }; prof?: string }

interface TransferLib {
  readonly Channel: new (socket: TLSSocket) => { writeFrame(b: Buffer): Promise<void>; writeEnd(): Promise<void>; destroy(): void; close(): void };
  readonly sendFrames?: (source: Readable, channel: unknown, onBytes: (n: number) => void) => Promise<void>;
  readonly pumpFrames: (channel: unknown, into: Writable, onData: (n: number) => void) => Promise<void>;
}

async function load(dir: string): Promise<TransferLib> {
  const channel = (await import(`${dir}/transfer/channel.js`)) as Record<string, unknown>;
  const pump = (await import(`${dir}/transfer/pump.js`)) as Record<string, unknown>;
  const send = (await import(`${dir}/transfer/send-pump.js`).catch(() => ({}))) as Record<string, unknown>;
  return { ...channel, ...pump, ...send } as unknown as TransferLib;
}

function sourceArgv(a: { file?: string; zfs?: string }): [string, string[]] {
  return a.zfs !== undefined ? ['/usr/sbin/zfs', ['send', a.zfs]] : ['/bin/cat', [a.file ?? '']];
}

function sinkArgv(into: string | undefined): [string, string[]] {
  return into !== undefined ? ['/usr/bin/flock', ['/run/zfs-csi-zfs-fuse.lock', '/usr/sbin/zfs', 'receive', into]] : ['/bin/sh', ['-c', 'cat > /dev/null']];
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** The zfs-fuse daemon's CPU so far (ms), from /proc: what the bare pipe spends, beside the relay's. */
async function daemonCpuMs(): Promise<number> {
  const pid = (await readFile('/var/run/zfs-fuse.pid', 'utf8').catch(() => '')).trim();
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/** The receiving process: one connection, frames into the sink's stdin, then its CPU and byte count. */
async function receiver(dir: string, into: string | undefined, tls: Args['tls']): Promise<void> {
  const lib = await load(dir);
  const [cert, key, ca] = await Promise.all([readFile(tls.cert), readFile(tls.key), readFile(tls.ca)]);
  const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
    const start = process.cpuUsage();
    const channel = new lib.Channel(socket);
    const [file, args] = sinkArgv(into);
    const sink = execa(file, args, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false, env: { LC_ALL: 'C' } });
    let bytes = 0;
    void Promise.all([lib.pumpFrames(channel, sink.stdin, (n) => { bytes += n; }), sink]).then(([, result]) => {
      if (result.failed) throw new Error(`sink failed: ${String(result.stderr)}`);
      process.send?.({ cpu: cpuMs(process.cpuUsage(start)), bytes });
      socket.end();
      server.close();
    }, (err: unknown) => { console.error(err); process.exit(1); });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
}

function message<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: Record<string, unknown>): void => {
      if (key in m) { child.off('message', on); resolve(m as T); }
    };
    child.on('message', on);
    child.once('exit', (code) => reject(new Error(`receiver exited ${String(code)}`)));
  });
}

async function driverRound(a: Args, lib: Lib, target: string | undefined): Promise<{ ms: number; sendCpu: number; recvCpu: number; bytes: number }> {
  const me = fileURLToPath(import.meta.url);
  // The receiver runs with this process's Node flags (run it with src/app/runtime-flags.ts's, as the driver).
  const inherited = process.execArgv.filter((f) => !f.startsWith('--cpu-prof'));
  const execArgv = [...inherited, ...(a.prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${a.prof}/${lib.name}-recv`] : [])];
  const child = fork(me, ['recv', lib.dir, target ?? '', JSON.stringify(a.tls)], { execArgv });
  const { port } = await message<{ port: number }>(child, 'port');
  const mod = await load(lib.dir);
  const [cert, key, ca] = await Promise.all([readFile(a.tls.cert), readFile(a.tls.key), readFile(a.tls.ca)]);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, cert, key, ca, minVersion: 'TLSv1.3', checkServerIdentity: () => undefined }, () => resolve(s));
    s.once('error', reject);
  });
  const channel = new mod.Channel(socket);
  const done = message<{ cpu: number; bytes: number }>(child, 'cpu');
  const [file, args] = sourceArgv(a);
  const source = execa(file, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false, stderr: true }, reject: false, env: { LC_ALL: 'C' } });
  if (mod.sendFrames !== undefined) await mod.sendFrames(source.stdout, channel, () => undefined);
  else for await (const chunk of source.stdout as AsyncIterable<Buffer>) await channel.writeFrame(chunk);
  await source;
  await channel.writeEnd();
  const sendCpu = cpuMs(process.cpuUsage(cpu0));
  const r = await done;
  const ms = performance.now() - t0;
  channel.destroy();
  return { ms, sendCpu, recvCpu: r.cpu, bytes: r.bytes };
}

async function rawRound(a: Args, target: string): Promise<number> {
  const t0 = performance.now();
  await execa('/bin/sh', ['-c', `/usr/sbin/zfs send ${a.zfs ?? ''} | /usr/bin/flock /run/zfs-csi-zfs-fuse.lock /usr/sbin/zfs receive ${target}`], { env: { LC_ALL: 'C' } });
  return performance.now() - t0;
}

const destroy = async (dataset: string | undefined): Promise<void> => {
  if (dataset !== undefined) await execa('/usr/sbin/zfs', ['destroy', '-r', '-f', dataset], { env: { LC_ALL: 'C' }, reject: false });
};

function parse(argv: string[]): Args {
  const a: Args = { libs: [], rounds: 3, tls: { cert: '', key: '', ca: '' } };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v = ''] = [argv[i], argv[i + 1]];
    if (k === '--lib') { const [name = '', dir = ''] = v.split('='); a.libs.push({ name, dir: new URL(dir, `file://${process.cwd()}/`).href }); }
    else if (k === '--file') a.file = v;
    else if (k === '--zfs') a.zfs = v;
    else if (k === '--into') a.into = v;
    else if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--prof') a.prof = v;
    else if (k === '--tls') a.tls = { cert: `${v}.crt`, key: `${v}.key`, ca: `${v}-ca.crt` };
  }
  return a;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'recv') {
    await receiver(process.argv[3] ?? '', process.argv[4] || undefined, JSON.parse(process.argv[5] ?? '{}') as Args['tls']);
    return;
  }
  const a = parse(process.argv.slice(2));
  const runs: string[] = [];
  for (let r = 0; r < a.rounds; r++) {
    const order = r % 2 === 0 ? a.libs : [...a.libs].reverse();
    const steps: Array<() => Promise<string>> = order.map((lib) => async () => {
      const target = a.into !== undefined ? `${a.into}/relay-${lib.name}-${r}` : undefined;
      const x = await driverRound(a, lib, target);
      await destroy(target);
      const mib = x.bytes / 1048576;
      return `round ${r} ${lib.name.padEnd(6)} ${x.ms.toFixed(0).padStart(6)} ms ${(mib / (x.ms / 1000)).toFixed(1).padStart(6)} MiB/s  send cpu ${x.sendCpu.toFixed(0)} ms  recv cpu ${x.recvCpu.toFixed(0)} ms`;
    });
    if (a.zfs !== undefined && a.into !== undefined) {
      const target = `${a.into}/relay-raw-${r}`;
      steps.splice(r % (steps.length + 1), 0, async () => {
        const ms = await rawRound(a, target);
        await destroy(target);
        return `round ${r} raw    ${ms.toFixed(0).padStart(6)} ms`;
      });
    }
    for (const step of steps) {
      const d0 = await daemonCpuMs();
      const line = `${await step()}  zfs-fuse cpu ${(await daemonCpuMs()) - d0} ms`;
      runs.push(line);
      console.log(line);
    }
  }
}

await main();

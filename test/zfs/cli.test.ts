import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZfsCli } from '../../src/zfs/cli.js';
import { ZfsError } from '../../src/zfs/errors.js';
import type { CommandOutput, CommandRunner } from '../../src/zfs/exec.js';
import { FakeRunner, type Reply } from './fake-runner.js';
import { GET_DEPTH_1, ZFS_GET_USAGE, ZPOOL_LIST, ZPOOL_UPGRADE_V } from './fixtures.js';

const FUSE_PROBE: Array<readonly [string, Reply]> = [
  ['/sbin/zfs version', { stderr: "unrecognized command 'version'\n" }],
  ['/sbin/zpool upgrade -v', { stdout: ZPOOL_UPGRADE_V }],
];
const OPENZFS_PROBE: Array<readonly [string, Reply]> = [
  ['/sbin/zfs version', { stdout: 'zfs-2.1.5\n' }],
  ['/sbin/zfs get -Hp', { stdout: '' }],
  ['/sbin/zfs get', { stderr: '\tavailable   NO   NO   <size>\n' }],
];
const BUSY = { stderr: "cannot destroy 'tank/csi/a': dataset is busy\n" };

function cli(script: Array<readonly [string, Reply | ((n: number) => Reply)]>, parents?: string[]): { zfs: ZfsCli; runner: FakeRunner } {
  const runner = new FakeRunner(script);
  const zfs = new ZfsCli({ runner, busyBudgetMs: 2_000, ...(parents === undefined ? {} : { parents }) });
  return { zfs, runner };
}

test('set: one zfs set per property when the implementation has no multiSet (zfs-fuse)', async () => {
  const { zfs, runner } = cli([
    ...FUSE_PROBE,
    ['/sbin/zfs get', { stderr: ZFS_GET_USAGE }],
    ['/sbin/zfs set', { stdout: '' }],
  ]);
  await zfs.set('tank/csi/a', { refquota: '10', quota: '20' });
  assert.deepEqual(
    runner.calls.filter((c) => c.includes(' set ')),
    ['/sbin/zfs set quota=20 tank/csi/a', '/sbin/zfs set refquota=10 tank/csi/a'],
  );
  // Capabilities are probed once and cached.
  await zfs.set('tank/csi/a', { refquota: '20', quota: '30' });
  assert.equal(runner.calls.filter((c) => c === '/sbin/zfs version').length, 1);
});

test('set: one call for several properties on OpenZFS, and a single property needs no probe', async () => {
  const { zfs, runner } = cli([
    ['/sbin/zfs version', { stdout: 'zfs-2.1.5\n' }],
    ['/sbin/zfs get', { stderr: '\tavailable   NO   NO   <size>\n' }],
    ['/sbin/zfs set', { stdout: '' }],
  ]);
  await zfs.set('tank/a', { refquota: '10' });
  assert.deepEqual(runner.calls, ['/sbin/zfs set refquota=10 tank/a']);
  await zfs.set('tank/a', { refquota: '10', canmount: 'off' });
  assert.equal(runner.calls.at(-1), '/sbin/zfs set canmount=off refquota=10 tank/a');
});

test('a failed probe is not cached', async () => {
  let up = false;
  const { zfs } = cli([
    ['/sbin/zfs version', () => (up ? { stdout: 'zfs-2.1.5\n' } : { stderr: 'connect: Connection refused\n' })],
    ['/sbin/zfs get', { stderr: '\tavailable   NO   NO   <size>\n' }],
  ]);
  await assert.rejects(zfs.capabilities(), (err: unknown) => err instanceof ZfsError && err.kind === 'pool_unavailable');
  up = true;
  assert.equal((await zfs.capabilities()).implementation, 'openzfs');
});

test('mutations retry busy, then succeed', async () => {
  const { zfs, runner } = cli([['/sbin/zfs destroy', (n) => (n < 3 ? BUSY : { stdout: '' })]]);
  await zfs.destroy('tank/csi/a', {});
  assert.equal(runner.calls.length, 3);
});

test('reads are not retried, mutations give up on other errors at once', async () => {
  const { zfs, runner } = cli([
    ['/sbin/zfs version', { stdout: 'zfs-2.1.5\n' }],
    ['/sbin/zfs create', { stderr: "cannot create 'tank/a': dataset already exists\n" }],
    ['/sbin/zfs get -Hp', BUSY],
    ['/sbin/zfs get', { stderr: '\tavailable   NO   NO   <size>\n' }],
  ]);
  await assert.rejects(zfs.create('tank/a', {}), (err: unknown) => err instanceof ZfsError && err.kind === 'exists');
  await assert.rejects(zfs.get(['tank/a'], ['used']), (err: unknown) => err instanceof ZfsError && err.kind === 'busy');
  assert.equal(runner.calls.filter((c) => c.startsWith('/sbin/zfs create') || c.startsWith('/sbin/zfs get -Hp')).length, 2);
});

test('on zfs-fuse, commands that mount go through the host-wide flock; the rest run zfs directly', async () => {
  const { zfs, runner } = cli([
    ...FUSE_PROBE,
    ['/usr/bin/flock /run/zfs-csi-zfs-fuse.lock /sbin/zfs', { stdout: '' }],
    ['/sbin/zfs get', { stderr: ZFS_GET_USAGE }],
    ['/sbin/zfs snapshot', { stdout: '' }],
    ['/sbin/zfs set', { stdout: '' }],
  ]);
  await zfs.create('tank/a', { mountpoint: '/m/a' });
  await zfs.clone('tank/a@s', 'tank/b', {});
  await zfs.mount('tank/b');
  await zfs.set('tank/b', { canmount: 'off' });
  await zfs.snapshot('tank/a@t', {});
  await zfs.set('tank/b', { refquota: '1' });
  const locked = runner.calls.filter((c) => c.startsWith('/usr/bin/flock /run/zfs-csi-zfs-fuse.lock /sbin/zfs '));
  assert.deepEqual(locked.map((c) => c.split(' ')[3]), ['create', 'clone', 'mount', 'set']);
  assert.ok(runner.calls.includes('/sbin/zfs snapshot tank/a@t'));
  assert.ok(runner.calls.includes('/sbin/zfs set refquota=1 tank/b'));
});

test('with the mount lock scoped to the process, mounting commands run zfs directly, still one at a time', async () => {
  const runner = new FakeRunner([...FUSE_PROBE, ['/sbin/zfs get', { stderr: ZFS_GET_USAGE }], ['/sbin/zfs', { stdout: '' }]]);
  let running = 0;
  let most = 0;
  const gated: CommandRunner = {
    run: async (binary, args): Promise<CommandOutput> => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return runner.run(binary, args);
    },
  };
  const zfs = new ZfsCli({ runner: gated, mountLockScope: 'process' });
  await zfs.capabilities();
  most = 0;
  await Promise.all([
    zfs.create('tank/a', { mountpoint: '/m/a' }),
    zfs.create('tank/b', { mountpoint: '/m/b' }),
    zfs.clone('tank/a@s', 'tank/c', {}),
  ]);
  assert.equal(most, 1, 'no two mounting commands at once');
  assert.ok(runner.calls.every((c) => !c.includes('flock')));
  assert.deepEqual(runner.calls.filter((c) => / (create|clone) /.test(c)).map((c) => c.split(' ')[1]), ['create', 'create', 'clone']);
  assert.ok(zfs.processMountGate, 'the gate is offered to the receive side');
  assert.equal(new ZfsCli({ runner }).processMountGate, undefined, 'host scope: flock is what is shared');
});

test('every name is validated before any command runs; parents, when configured, bound mutations', async () => {
  const { zfs, runner } = cli([['/sbin/zfs', { stdout: '' }]], ['tank/csi']);
  const invalid = (err: unknown): boolean => err instanceof ZfsError && err.kind === 'invalid';
  await assert.rejects(zfs.destroy('tank/csi/a%b', {}), invalid);
  await assert.rejects(zfs.destroy('tank/other', {}), invalid);
  await assert.rejects(zfs.destroy('tank/csi', {}), invalid);
  await assert.rejects(zfs.clone('tank/elsewhere@s', 'tank/csi/b', {}), invalid);
  await assert.rejects(zfs.set('tank/csi/a,tank/x', { refquota: '1' }), invalid);
  await assert.rejects(zfs.get(['tank/a b'], ['used']), invalid);
  await assert.rejects(zfs.poolHealth('tank/csi'), invalid);
  assert.deepEqual(runner.calls, []);
  await zfs.destroy('tank/csi/a@s', { defer: true });
  assert.deepEqual(runner.calls, ['/sbin/zfs destroy -d tank/csi/a@s']);
});

test('get parses the output; no names means no command', async () => {
  const { zfs, runner } = cli([['/sbin/zfs get', { stdout: GET_DEPTH_1 }]]);
  assert.deepEqual(await zfs.get([], ['used']), []);
  assert.equal(runner.calls.length, 0);
  const infos = await zfs.get(['zfscsi/t-fixture'], ['type', 'zfs.csi.dev:managed', 'defer_destroy'], { depth: 1 });
  assert.equal(infos.length, 3);
  assert.equal(runner.calls[0], '/sbin/zfs get -Hp -o name,property,value,source -d 1 type,zfs.csi.dev:managed,defer_destroy zfscsi/t-fixture');
});

test('poolHealth: health, undefined for "no such pool", an error when the daemon is down', async () => {
  const { zfs } = cli([
    ['/sbin/zpool list -H -o name,health zfscsi', { stdout: ZPOOL_LIST }],
    ['/sbin/zpool list -H -o name,health gone', { stderr: "cannot open 'gone': no such pool\n" }],
    ['/sbin/zpool list', { stderr: 'connect: No such file or directory\n' }],
  ]);
  assert.equal(await zfs.poolHealth('zfscsi'), 'ONLINE');
  assert.equal(await zfs.poolHealth('gone'), undefined);
  await assert.rejects(zfs.poolHealth('down'), (err: unknown) => err instanceof ZfsError && err.code === 'UNAVAILABLE');
});

test('mount/unmount that find the work done are not errors', async () => {
  const { zfs } = cli([
    ...OPENZFS_PROBE,
    ['/sbin/zfs mount', { stderr: "cannot mount 'tank/a': filesystem already mounted\n" }],
    ['/sbin/zfs unmount', { stderr: "cannot unmount 'tank/a': not currently mounted\n" }],
  ]);
  await zfs.mount('tank/a');
  await zfs.unmount('tank/a');
});

/** Answers the zfs-fuse probe at once and holds every `zfs set` until release() (to see them overlap). */
class GatedRunner implements CommandRunner {
  readonly sets: string[] = [];
  readonly #held: Array<() => void> = [];
  #finished = 0;

  constructor(private readonly failing?: string) {}

  get finished(): number {
    return this.#finished;
  }

  async run(binary: string, args: readonly string[]): Promise<CommandOutput> {
    if (args[0] === 'version') throw new ZfsError('invalid', 'x', { stderr: "unrecognized command 'version'\n" });
    if (args[0] === 'upgrade') return { stdout: ZPOOL_UPGRADE_V, stderr: '' };
    if (args[0] === 'get') throw new ZfsError('invalid', 'x', { stderr: ZFS_GET_USAGE });
    const line = [binary, ...args].join(' ');
    this.sets.push(line);
    // The failing one fails at once; the others wait to be released.
    if (this.failing !== undefined && line.includes(this.failing)) throw new ZfsError('no_space', `${line}: out of space`, { stderr: 'out of space\n' });
    await new Promise<void>((resolve) => this.#held.push(resolve));
    this.#finished++;
    return { stdout: '', stderr: '' };
  }

  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('zfs-fuse: the one-property sets of one call run at once, and it returns only when all have ended', async () => {
  const runner = new GatedRunner();
  const zfs = new ZfsCli({ runner, busyBudgetMs: 2_000 });
  await zfs.capabilities();
  let done = false;
  const setting = zfs.set('tank/a', { 'x:b': '2', 'x:a': '1', 'x:c': '3' }).then(() => (done = true));
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(runner.sets, ['/sbin/zfs set x:a=1 tank/a', '/sbin/zfs set x:b=2 tank/a', '/sbin/zfs set x:c=3 tank/a'], 'all started, in name order');
  assert.equal(done, false);
  runner.release();
  await setting;
  assert.equal(runner.finished, 3);
});

test('zfs-fuse: one failed property fails the call, after the others have ended', async () => {
  const runner = new GatedRunner('x:b=');
  const zfs = new ZfsCli({ runner, busyBudgetMs: 2_000 });
  await zfs.capabilities();
  let settled = false;
  const setting = zfs.set('tank/a', { 'x:a': '1', 'x:b': '2', 'x:c': '3' }).finally(() => (settled = true));
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(settled, false, 'the failure waits for the two still running');
  runner.release();
  await assert.rejects(setting, (err: unknown) => err instanceof ZfsError && err.kind === 'no_space');
  assert.equal(runner.finished, 2);
});

test('zfs-fuse: native properties go one after another in name order, before the user properties run at once', async () => {
  const runner = new GatedRunner();
  const zfs = new ZfsCli({ runner, busyBudgetMs: 2_000 });
  await zfs.capabilities();
  const setting = zfs.set('tank/a', { refreservation: '2', refquota: '2', 'x:a': '1' });
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(runner.sets, ['/sbin/zfs set refquota=2 tank/a'], 'ZFS checks a reservation against the quota: no overlap, same order as ever');
  runner.release();
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(runner.sets.slice(1), ['/sbin/zfs set refreservation=2 tank/a']);
  runner.release();
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(runner.sets[2], '/sbin/zfs set x:a=1 tank/a');
  runner.release();
  await setting;
  assert.equal(runner.finished, 3);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult, CommandRunner } from '../../src/mount/command.js';
import { MountError } from '../../src/mount/errors.js';
import { LinuxMounter } from '../../src/mount/linux-mounter.js';

const ROOT = '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw';
const T = '/nonexistent-zfs-csi-test/target';
const S = '/nonexistent-zfs-csi-test/source';
const line = (id: number, parent: number, mp: string, opts = 'rw') => `${id} ${parent} 0:40 / ${mp} ${opts} - fuse.zfs pool/v rw`;
const ok: CommandResult = { exitCode: 0, stderr: '', timedOut: false, canceled: false };
const fail = (stderr: string, exitCode = 32): CommandResult => ({ exitCode, stderr, timedOut: false, canceled: false });
const code = (c: string) => (err: unknown) => err instanceof MountError && err.code === c;

/** A host in miniature: a mount table and a script of command results that may change it. */
function fakeHost(lines: string[], respond: (argv: readonly string[], lines: string[]) => CommandResult) {
  const calls: string[][] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    return respond([file, ...args], lines);
  };
  const mounter = new LinuxMounter({
    run,
    readMountInfo: async () => [ROOT, ...lines].join('\n'),
    busyRetryDelaysMs: [1, 1, 1],
  });
  return { mounter, calls, lines };
}

describe('LinuxMounter.bind', () => {
  it('runs mount --bind with an argv (prefix first), then remount,bind,ro when read-only', async () => {
    const calls: string[][] = [];
    const mounter = new LinuxMounter({
      prefix: ['/usr/bin/nsenter', '-t', '1', '-m', '--'],
      mountBinary: '/usr/bin/mount',
      run: async (file, args) => (calls.push([file, ...args]), ok),
      readMountInfo: async () => ROOT,
    });
    await mounter.bind(S, T, true);
    assert.deepEqual(calls, [
      ['/usr/bin/nsenter', '-t', '1', '-m', '--', '/usr/bin/mount', '--bind', S, T],
      ['/usr/bin/nsenter', '-t', '1', '-m', '--', '/usr/bin/mount', '-o', 'remount,bind,ro', T],
    ]);
  });

  it('a failed mount is INTERNAL with the stderr; timeout and cancel have their own codes', async () => {
    for (const [result, c] of [
      [fail('mount: special device does not exist'), 'INTERNAL'],
      [{ exitCode: undefined, stderr: '', timedOut: true, canceled: false }, 'DEADLINE_EXCEEDED'],
      [{ exitCode: undefined, stderr: '', timedOut: false, canceled: true }, 'ABORTED'],
    ] as const) {
      const { mounter } = fakeHost([], () => result);
      await assert.rejects(mounter.bind(S, T, false), code(c));
    }
  });

  it('never leaves a writable bind behind when the read-only remount fails', async () => {
    const { mounter, calls, lines } = fakeHost([], (argv, table) => {
      if (argv.includes('--bind')) return table.push(line(50, 27, T)), ok;
      if (argv.includes('remount,bind,ro')) return fail('mount: permission denied');
      return table.splice(0), ok; // umount
    });
    await assert.rejects(mounter.bind(S, T, true), (err: unknown) => code('INTERNAL')(err) && /remount/.test(String(err)));
    assert.deepEqual(lines, []);
    assert.deepEqual(calls.at(-1), ['/bin/umount', T]);
  });

  it('refuses relative and dotted paths before running anything', async () => {
    const { mounter, calls } = fakeHost([], () => ok);
    await assert.rejects(mounter.bind('rel/src', T, false), code('INVALID_ARGUMENT'));
    await assert.rejects(mounter.bind(S, '/a/../etc', false), code('INVALID_ARGUMENT'));
    assert.equal(calls.length, 0);
  });
});

describe('LinuxMounter.unmount (verified, §4 rule 4)', () => {
  it('does nothing when the table shows nothing at target', async () => {
    const { mounter, calls } = fakeHost([line(50, 27, '/elsewhere')], () => ok);
    await mounter.unmount(T);
    assert.equal(calls.length, 0);
  });

  it('unmounts every stacked layer until the table is clear', async () => {
    const { mounter, calls, lines } = fakeHost([line(50, 27, T), line(51, 50, T)], (_a, table) => (table.pop(), ok));
    await mounter.unmount(T);
    assert.deepEqual(lines, []);
    assert.deepEqual(calls, [['/bin/umount', T], ['/bin/umount', T]]);
  });

  it('retries "target is busy" with backoff, then succeeds', async () => {
    let n = 0;
    const { mounter, calls } = fakeHost([line(50, 27, T)], (_a, table) =>
      ++n < 3 ? fail(`umount: ${T}: target is busy.`) : (table.pop(), ok),
    );
    await mounter.unmount(T);
    assert.equal(calls.length, 3);
  });

  it('a target that stays busy is ABORTED and stays mounted', async () => {
    const { mounter, calls, lines } = fakeHost([line(50, 27, T)], () => fail(`umount: ${T}: target is busy.`));
    await assert.rejects(mounter.unmount(T), code('ABORTED'));
    assert.equal(calls.length, 4); // first try + 3 retries
    assert.equal(lines.length, 1);
  });

  it('"not mounted" is OK only when the table agrees', async () => {
    const gone = fakeHost([line(50, 27, T)], (_a, table) => (table.pop(), fail(`umount: ${T}: not mounted.`)));
    await gone.mounter.unmount(T);
    const lying = fakeHost([line(50, 27, T)], () => fail(`umount: ${T}: not mounted.`));
    await assert.rejects(lying.mounter.unmount(T), code('INTERNAL'));
  });

  it('an umount that exits 0 but leaves the mount is not believed', async () => {
    const { mounter, calls } = fakeHost([line(50, 27, T)], () => ok);
    await assert.rejects(mounter.unmount(T), code('INTERNAL'));
    assert.ok(calls.length > 1);
  });

  it('any other failure is INTERNAL; a cancelled wait is ABORTED', async () => {
    const other = fakeHost([line(50, 27, T)], () => fail('umount: permission denied'));
    await assert.rejects(other.mounter.unmount(T), code('INTERNAL'));
    const busy = fakeHost([line(50, 27, T)], () => fail('target is busy'));
    await assert.rejects(busy.mounter.unmount(T, AbortSignal.abort()), code('ABORTED'));
  });
});

describe('LinuxMounter.table', () => {
  it('parses the mount table; an unreadable one is INTERNAL', async () => {
    const { mounter } = fakeHost([line(50, 27, '/tmp/x\\040y')], () => ok);
    assert.deepEqual((await mounter.table()).map((e) => e.mountPoint), ['/', '/tmp/x y']);
    const broken = new LinuxMounter({ readMountInfo: () => Promise.reject(new Error('EACCES')) });
    await assert.rejects(broken.table(), code('INTERNAL'));
  });

  it('reads the real /proc/self/mountinfo by default', async () => {
    const table = await new LinuxMounter().table();
    assert.ok(table.some((e) => e.mountPoint === '/'));
  });
});

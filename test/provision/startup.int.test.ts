// Standalone start-up (src/provision/startup.ts) on the real zfs-fuse pool: one scan per parent, and the
// retire that a crash interrupted (mark set, canmount not yet off) finished from that scan alone.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newVolumeId } from '../../src/csi/ids.js';
import { parseParams } from '../../src/csi/params.js';
import { P } from '../../src/provision/props.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { loadState } from '../../src/provision/startup.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ZfsCli } from '../../src/zfs/cli.js';
import { destroyScratch, uniqueParent, zfsProp } from '../support/pool.js';
import { execa } from 'execa';

const parent = uniqueParent('startup');
let mounts = '';
const argvs: string[][] = [];
const zfs = new ZfsCli({ parents: [parent], onCommand: (e) => void argvs.push([...e.argv]) });

before(async () => {
  mounts = await mkdtemp(join(tmpdir(), 'zfs-csi-startup-'));
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent]);
});
after(() => destroyScratch(parent, [mounts]));

test('a retired volume a crash left mountable gets canmount=off; the live one is untouched; one zfs get for the scan', async () => {
  const provisioner = new Provisioner({ zfs, bindsOf: async () => [], mountRoot: mounts });
  const signal = new AbortController().signal;
  const spec = (name: string) => ({ id: newVolumeId(), name, node: 'n1', parent, capacityBytes: 64n << 20n, params: parseParams({}) });
  const live = await provisioner.createVolume(spec('live'), undefined, signal);
  const retired = await provisioner.createVolume(spec('retired'), undefined, signal);
  // What retire() does first, and then the crash: the mark is on the pool, canmount is still on.
  await zfs.set(retired.dataset, { [P.retired]: new Date().toISOString() }, signal);
  assert.equal(await zfsProp(retired.dataset, 'canmount'), 'on');

  argvs.length = 0;
  const store = new MemoryStore();
  const report = await loadState(zfs, store, [parent], signal);
  assert.deepEqual({ volumes: report.volumes, retired: report.retired, foreign: report.foreign }, { volumes: 1, retired: 1, foreign: [] });
  assert.equal(await zfsProp(retired.dataset, 'canmount'), 'off', 'the interrupted retire is finished');
  assert.equal(await zfsProp(live.dataset, 'canmount'), 'on', 'the live volume is left as it is');
  const gets = argvs.filter((a) => a.includes('get'));
  assert.equal(gets.length, 1, `one zfs get for the whole parent: ${gets.map((a) => a.join(' ')).join(' | ')}`);
  assert.ok(gets[0]?.includes('-r'), 'recursive');
  assert.deepEqual(argvs.filter((a) => a.includes('set')).map((a) => a.slice(-2)), [['canmount=off', retired.dataset]]);

  argvs.length = 0;
  await loadState(zfs, new MemoryStore(), [parent], signal);
  assert.deepEqual(argvs.filter((a) => a.includes('set')), [], 'nothing left to finish on the next start');
});

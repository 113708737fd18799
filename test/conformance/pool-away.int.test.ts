/**
 * Issue #7 part 8: with the pool exported, nothing answers NOT_FOUND (DESIGN.md §4 rule 6: absence is only
 * absence while the pool and the parent are there) and nothing changes; imported again, the calls work.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { createNodePool, type NodePool } from '../e2e/pools.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp } from '../support/pool.js';
import { createSnapshot, createVolume, rejectsWith, unique } from './support.js';

let pool: NodePool;
let d: Driver;

async function zpool(...args: string[]): Promise<void> {
  // zfs-fuse says "busy" for a moment after mounts change.
  for (let attempt = 0; ; attempt++) {
    const r = await execa('/sbin/zpool', args, { reject: false, env: { LC_ALL: 'C' } });
    if (r.exitCode === 0) return;
    if (attempt >= 20) throw new Error(`zpool ${args.join(' ')}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

before(async () => {
  pool = await createNodePool(`away${process.pid}`, '256M');
  d = await startDriver({ parent: pool.parent });
});
after(async () => {
  await d.cleanup().catch(() => undefined);
  await pool.destroy();
});

test('an exported pool is UNAVAILABLE for every call, never NOT_FOUND; imported again, the delete goes through', async () => {
  const vol = (await createVolume(d, unique('away'), 16n << 20n)).volume_id;
  const snap = (await createSnapshot(d, unique('away-snap'), vol)).snapshot_id;
  const other = (await createVolume(d, unique('away-other'), 16n << 20n)).volume_id;
  await zpool('export', '-f', pool.pool);

  const deleted = await rejectsWith(d.client.controller.DeleteVolume({ volume_id: other }), 'UNAVAILABLE', 'DeleteVolume');
  assert.match(deleted.message, new RegExp(`pool ${pool.pool}`), deleted.message);
  assert.doesNotMatch(deleted.message, /cannot open|dataset does not exist/, 'no raw zfs message');
  await rejectsWith(d.client.controller.DeleteSnapshot({ snapshot_id: snap }), 'UNAVAILABLE', 'DeleteSnapshot');
  await rejectsWith(d.client.controller.ControllerExpandVolume({ volume_id: vol, capacity_range: { required_bytes: String(32n << 20n) } }), 'UNAVAILABLE', 'ControllerExpandVolume');
  await rejectsWith(d.client.controller.CreateSnapshot({ name: unique('away-snap2'), source_volume_id: vol }), 'UNAVAILABLE', 'CreateSnapshot');

  await zpool('import', '-d', pool.image.slice(0, pool.image.lastIndexOf('/')), pool.pool);
  assert.equal(await zfsProp(`${pool.pool}/csi/${other}`, 'type'), 'filesystem', 'the refused delete changed nothing');
  await d.client.controller.DeleteVolume({ volume_id: other });
  assert.equal(await zfsProp(`${pool.pool}/csi/${other}`, 'type'), undefined);
  await d.client.controller.DeleteSnapshot({ snapshot_id: snap });
  await d.client.controller.DeleteVolume({ volume_id: vol });
});

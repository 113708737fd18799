/**
 * ControllerModifyVolume on real zfs-fuse through gRPC over the driver's unix socket (issue #10 part 1): every
 * mutable key applied and read back with `zfs get`, refusals that change nothing, repeats, the record
 * surviving a restart, and mutable_parameters at CreateVolume and ValidateVolumeCapabilities.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ZfsCli } from '../../src/zfs/cli.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp } from '../support/pool.js';
import { VOLUME_BYTES, WRITER_CAPS, createVolume, datasetOf, rejectsWith, unique } from './support.js';

let d: Driver;
let hasSync: boolean;
before(async () => {
  d = await startDriver();
  hasSync = (await new ZfsCli().capabilities()).properties.has('sync');
});
after(async () => {
  await d.cleanup();
});

const modify = (driver: Driver, volumeId: string, mutable: Record<string, string>) =>
  driver.client.controller.ControllerModifyVolume({ volume_id: volumeId, mutable_parameters: mutable });

/** Every property of the dataset with its value (what "nothing changed" compares). */
/**
 * Every property of the dataset but those it inherits from the pool's root: other tests running at the
 * same time add and remove their parent marks there (`zfs.csi.dev:parent-*`), which this test must not see.
 */
async function allProps(dataset: string): Promise<Map<string, string>> {
  const r = await execa('/sbin/zfs', ['get', '-Hp', '-o', 'property,value,source', 'all', dataset]);
  const pool = dataset.split('/')[0] ?? dataset;
  return new Map(r.stdout.split('\n').map((l) => l.split('\t'))
    .filter(([, , source]) => source !== `inherited from ${pool}`)
    .map(([property, value]) => [property ?? '', value ?? ''] as [string, string]));
}

const confirmed = async (driver: Driver, volumeId: string, mutable: Record<string, string>): Promise<boolean> =>
  (await driver.client.controller.ValidateVolumeCapabilities({
    volume_id: volumeId, volume_capabilities: WRITER_CAPS, mutable_parameters: mutable,
  })).confirmed !== null;

/** One non-default value per mutable property, each valid on zfs-fuse, and what `zfs get -Hp` prints. */
const LIVE: Record<string, [string, string]> = {
  compression: ['GZIP-3', 'gzip-3'], recordsize: ['16K', '16384'], atime: ['off', 'off'], logbias: ['throughput', 'throughput'],
  primarycache: ['metadata', 'metadata'], secondarycache: ['none', 'none'], copies: ['2', '2'], dedup: ['on', 'on'],
};
const asked = Object.fromEntries(Object.entries(LIVE).map(([k, [v]]) => [k, v]));
const size = VOLUME_BYTES.toString();

async function assertQuota(dataset: string, want: Record<string, string>): Promise<void> {
  for (const [prop, value] of Object.entries(want)) assert.equal(await zfsProp(dataset, prop), value, `${dataset} ${prop}`);
}

describe('ControllerModifyVolume (standalone, zfs-fuse)', () => {
  it('sets every mutable property and the quota rules; the same call twice is OK; the record survives a restart', async () => {
    const d1 = await startDriver();
    try {
      const id = (await createVolume(d1, unique('modify'))).volume_id;
      const ds = datasetOf(d1, id);
      await assertQuota(ds, { refquota: size, quota: '0', reservation: '0', refreservation: '0' });
      const all = { ...asked, quotaType: 'quota', thin: 'false' };
      for (let i = 0; i < 2; i++) assert.deepEqual(await modify(d1, id, all), {});
      for (const [prop, [, shown]] of Object.entries(LIVE)) assert.equal(await zfsProp(ds, prop), shown, prop);
      // quota counts snapshots, so its reservation is `reservation` (src/provision/build.ts).
      await assertQuota(ds, { quota: size, refquota: '0', reservation: size, refreservation: '0' });
      assert.ok(await confirmed(d1, id, all));
      assert.equal((await d1.client.controller.ControllerGetVolume({ volume_id: id })).volume?.capacity_bytes, size);
      // The record on the pool is what a restart rebuilds the volume from.
      await d1.stop();
      const d2 = await startDriver({ parent: d1.parent, dir: d1.dir });
      try {
        assert.ok(await confirmed(d2, id, all), 'after a restart the volume still has its modified parameters');
        assert.equal((await d2.client.controller.ControllerGetVolume({ volume_id: id })).volume?.capacity_bytes, size);
        await modify(d2, id, { quotaType: 'refquota', thin: 'true' });
        await assertQuota(ds, { refquota: size, quota: '0', reservation: '0', refreservation: '0' });
        assert.equal(await zfsProp(ds, 'compression'), 'gzip-3', 'absent keys stay as they are');
        await d2.client.controller.DeleteVolume({ volume_id: id });
      } finally {
        await d2.cleanup();
      }
    } finally {
      await d1.cleanup();
      await rm(d1.dir, { recursive: true, force: true });
    }
  });

  it('sync: set where this ZFS has it, otherwise INVALID_ARGUMENT naming it with nothing changed', async () => {
    const id = (await createVolume(d, unique('modify-sync'))).volume_id;
    const ds = datasetOf(d, id);
    if (hasSync) {
      await modify(d, id, { sync: 'always' });
      assert.equal(await zfsProp(ds, 'sync'), 'always');
    } else {
      const before = await allProps(ds);
      const err = await rejectsWith(modify(d, id, { sync: 'always', compression: 'gzip' }), 'INVALID_ARGUMENT', 'sync on zfs-fuse');
      assert.match(err.message, /sync/);
      assert.deepEqual(await allProps(ds), before);
    }
    await d.client.controller.DeleteVolume({ volume_id: id });
  });

  it('immutable, unknown and badly valued keys are INVALID_ARGUMENT naming the key, with nothing changed', async () => {
    const id = (await createVolume(d, unique('modify-bad'))).volume_id;
    const ds = datasetOf(d, id);
    const before = await allProps(ds);
    for (const [mutable, key] of [
      [{ casesensitivity: 'mixed' }, 'casesensitivity'],
      [{ compression: 'gzip', xattr: 'off' }, 'xattr'],
      [{ parentDataset: 'zfscsi/elsewhere' }, 'parentDataset'],
      [{ 'zfs.csi.dev:managed': 'false' }, 'zfs.csi.dev:managed'],
      [{ recordsize: '3000' }, 'recordsize'],
      [{ copies: '4' }, 'copies'],
    ] as const) {
      const err = await rejectsWith(modify(d, id, mutable), 'INVALID_ARGUMENT', JSON.stringify(mutable));
      assert.ok(err.message.includes(key), `${err.message} names ${key}`);
    }
    assert.deepEqual(await allProps(ds), before, 'a refused modification changes nothing on the pool');
    await rejectsWith(modify(d, 'vol-doesnotexist0000000', { compression: 'gzip' }), 'NOT_FOUND', 'unknown volume');
    await d.client.controller.DeleteVolume({ volume_id: id });
  });

  it('a value this ZFS refuses is INVALID_ARGUMENT, and the record says only what the dataset holds', async () => {
    const id = (await createVolume(d, unique('modify-refused'))).volume_id;
    const ds = datasetOf(d, id);
    // zfs-fuse: recordsize stops at 128K. Sorted, atime is set before recordsize is refused.
    await rejectsWith(modify(d, id, { atime: 'off', recordsize: '1M' }), 'INVALID_ARGUMENT', 'recordsize=1M');
    assert.equal(await zfsProp(ds, 'recordsize'), '131072');
    assert.equal(await confirmed(d, id, { recordsize: '1M' }), false, 'the refused value is not recorded');
    assert.equal(await confirmed(d, id, { atime: 'off' }), (await zfsProp(ds, 'atime')) === 'off', 'the record matches the pool');
    await d.client.controller.DeleteVolume({ volume_id: id });
  });

  it('CreateVolume applies mutable_parameters over the StorageClass parameters', async () => {
    const vol = await createVolume(d, unique('create-mutable'), VOLUME_BYTES, {
      parameters: { compression: 'lzjb' }, mutable_parameters: { compression: 'gzip', thin: 'false' },
    });
    const ds = datasetOf(d, vol.volume_id);
    assert.equal(await zfsProp(ds, 'compression'), 'gzip');
    assert.equal(await zfsProp(ds, 'refreservation'), size);
    await rejectsWith(createVolume(d, unique('create-mutable'), VOLUME_BYTES, { mutable_parameters: { snapdir: 'visible' } }),
      'INVALID_ARGUMENT', 'immutable key at create');
    await d.client.controller.DeleteVolume({ volume_id: vol.volume_id });
  });

  it('ControllerGetCapabilities advertises MODIFY_VOLUME', async () => {
    const caps = await d.client.controller.ControllerGetCapabilities({});
    assert.ok(caps.capabilities.some((c) => c.rpc?.type === 'MODIFY_VOLUME'));
  });
});

/**
 * The pure rules of an import (docs/import.md, issue #10 part 2): which datasets may become volumes, which
 * are refused and with what code, which size they get, and what is written in which order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import type { MountEntry } from '../../src/mount/mounter.js';
import { importParent, planImport, type ImportFacts, type ImportPlan, type ImportSteps } from '../../src/provision/import-check.js';
import { P } from '../../src/provision/props.js';

const DS = 'tank/csi/data';
const ID = 'vol-aaaaaaaaaaaaaaaaaaaa';
const RECORDED = 'vol-bbbbbbbbbbbbbbbbbbbb';
const MIB = 1n << 20n;

const mount = (source: string, mountPoint: string): MountEntry => ({
  id: 1, parentId: 0, device: '0:1', root: '/', mountPoint, options: ['rw'], fsType: 'fuse.zfs', source, superOptions: [],
});

function facts(props: Record<string, string> = {}, over: Partial<ImportFacts> = {}): ImportFacts {
  return {
    request: { dataset: DS },
    parent: 'tank/csi',
    node: 'n1',
    info: {
      name: DS,
      props: new Map(Object.entries({
        type: 'filesystem', mountpoint: '/srv/data', canmount: 'on', mounted: 'yes', refquota: String(64n * MIB), quota: '0', referenced: String(MIB),
        ...props,
      })),
    },
    children: [],
    mounts: [mount(DS, '/srv/data')],
    mountRoot: '/m',
    nameOwner: undefined,
    idOwner: undefined,
    freshId: ID,
    now: new Date('2026-12-07T12:00:00Z'),
    ...over,
  };
}

function refusal(f: ImportFacts, code: string, pattern: RegExp): void {
  assert.throws(() => planImport(f), (err: unknown) => {
    assert.ok(err instanceof DriverError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

function applied(plan: ImportPlan): ImportSteps {
  assert.equal(plan.kind, 'apply');
  return plan as ImportSteps;
}

test('a mounted filesystem with a refquota: that size, a fresh ID, the record, the mount place, managed last and alone', () => {
  const steps = applied(planImport(facts()));
  assert.equal(steps.id, ID);
  assert.equal(steps.name, DS, 'the CO name defaults to the dataset name');
  assert.equal(steps.capacityBytes, 64n * MIB);
  assert.equal(steps.quota, undefined, 'the refquota it has is kept as it is');
  assert.deepEqual(steps.mountpointChange, { mountpoint: `/m/${ID}` });
  assert.equal(steps.canmountChange, undefined);
  assert.deepEqual(steps.managed, { [P.managed]: 'true' });
  assert.equal(steps.marks[P.managed], undefined, 'the record alone does not make it managed');
  assert.equal(steps.marks[P.volumeId], ID);
  assert.equal(steps.marks[P.dataset], DS);
  assert.equal(steps.marks[P.kind], 'volume');
  assert.equal(steps.marks[P.imported], '2026-12-07T12:00:00.000Z');
  assert.equal(steps.marks['refquota'], undefined, 'no native property rides with the record');
});

test('no refquota: the size given is set; without one it is INVALID_ARGUMENT', () => {
  const steps = applied(planImport(facts({ refquota: '0' }, { request: { dataset: DS, sizeBytes: 8n * MIB, name: 'db' } })));
  assert.deepEqual(steps.quota, { refquota: String(8n * MIB) });
  assert.equal(steps.name, 'db');
  refusal(facts({ refquota: 'none' }), 'INVALID_ARGUMENT', /no refquota: give the volume's size/);
});

test('size rules: never below what it holds, a different size than its refquota is refused, a smaller quota is refused', () => {
  refusal(facts({ refquota: '0', referenced: String(9n * MIB) }, { request: { dataset: DS, sizeBytes: 8n * MIB } }), 'INVALID_ARGUMENT', /less than the 9437184 bytes .* never shrunk/);
  refusal(facts({}, { request: { dataset: DS, sizeBytes: 32n * MIB } }), 'INVALID_ARGUMENT', /has refquota 67108864: leave out the size/);
  assert.equal(applied(planImport(facts({}, { request: { dataset: DS, sizeBytes: 64n * MIB } }))).capacityBytes, 64n * MIB, 'the same size is fine');
  refusal(facts({ quota: String(MIB * 10n) }), 'FAILED_PRECONDITION', /quota 10485760, below the size/);
  refusal(facts({ refquota: '0' }, { request: { dataset: DS, sizeBytes: 0n } }), 'INVALID_ARGUMENT', /more than 0 bytes/);
});

test('not a filesystem, children, taken name: refused with the code that says why', () => {
  refusal(facts({ type: 'volume' }), 'INVALID_ARGUMENT', /is a volume; only filesystems/);
  refusal(facts({}, { children: [`${DS}/inner`] }), 'FAILED_PRECONDITION', /has child datasets \(tank\/csi\/data\/inner\)/);
  refusal(facts({}, { nameOwner: 'tank/csi/vol-cccccccccccccccccccc' }), 'ALREADY_EXISTS', /name "tank\/csi\/data" is taken/);
  refusal(facts({}, { request: { dataset: DS, name: 'x'.repeat(129) } }), 'INVALID_ARGUMENT', /longer than 128 bytes/);
});

test('mounts: elsewhere, a bind of it, something else on or below its mountpoint or on the driver\'s path are refused', () => {
  refusal(facts({}, { mounts: [mount(DS, '/srv/data'), mount(DS, '/var/lib/docker/x')] }), 'FAILED_PRECONDITION', /mounted at \/var\/lib\/docker\/x/);
  refusal(facts({ mountpoint: 'legacy' }, { mounts: [mount(DS, '/mnt/legacy')] }), 'FAILED_PRECONDITION', /mounted at \/mnt\/legacy/);
  refusal(facts({ mounted: 'no', canmount: 'noauto' }, { mounts: [mount('tmpfs', '/srv/data')] }), 'FAILED_PRECONDITION', /\/srv\/data has tmpfs mounted on it/);
  refusal(facts({}, { mounts: [mount(DS, '/srv/data'), mount('/dev/sdb1', '/srv/data/cache')] }), 'FAILED_PRECONDITION', /\/srv\/data\/cache has \/dev\/sdb1/);
  refusal(facts({}, { mounts: [mount(DS, '/srv/data'), mount('tmpfs', `/m/${ID}`)] }), 'FAILED_PRECONDITION', /in the way of .* at \/m\/vol-a/);
  const unmounted = applied(planImport(facts({ mountpoint: 'none', mounted: 'no', canmount: 'off' }, { mounts: [] })));
  assert.deepEqual(unmounted.mountpointChange, { mountpoint: `/m/${ID}` });
  assert.deepEqual(unmounted.canmountChange, { canmount: 'on' }, 'a dataset kept from mounting is made mountable');
});

test('an interrupted import: the recorded ID is kept; a damaged or copied one is refused', () => {
  const retry = facts({ [P.volumeId]: RECORDED, mountpoint: `/m/${RECORDED}`, [P.imported]: '2026-12-07T11:00:00.000Z' }, { mounts: [mount(DS, `/m/${RECORDED}`)] });
  const steps = applied(planImport(retry));
  assert.equal(steps.id, RECORDED);
  assert.equal(steps.mountpointChange, undefined, 'already moved by the first attempt');
  assert.equal(steps.marks[P.imported], '2026-12-07T11:00:00.000Z', 'the first attempt\'s time stays');
  refusal(facts({ [P.volumeId]: 'pvc-123' }), 'FAILED_PRECONDITION', /not an ID of this driver; clear it/);
  refusal(facts({ [P.volumeId]: RECORDED }, { idOwner: 'tank/csi/other' }), 'FAILED_PRECONDITION', /ID of the volume in tank\/csi\/other \(a copy\?\)/);
});

test('already managed: a finished import asked again is done; a made volume, a retired one or another name is refused', () => {
  const done = { [P.managed]: 'true', [P.volumeId]: RECORDED, [P.imported]: 'x', [P.csiName]: encodeURIComponent(DS) };
  assert.deepEqual(planImport(facts(done, { idOwner: DS })), { kind: 'done', id: RECORDED });
  refusal(facts({ ...done, [P.retired]: 'x' }, { idOwner: DS }), 'FAILED_PRECONDITION', /already managed by the driver \(volume vol-b/);
  refusal(facts(done, { idOwner: DS, request: { dataset: DS, name: 'other' } }), 'FAILED_PRECONDITION', /already managed/);
  refusal(facts({ [P.managed]: 'true', [P.volumeId]: RECORDED }, { idOwner: DS }), 'FAILED_PRECONDITION', /already managed/);
});

test('an ID asked for (a ZfsVolume\'s name): given when none is recorded, and any other recorded one is refused, finished or not', () => {
  const asked = 'vol-cccccccccccccccccccc';
  const request = { dataset: DS, id: asked };
  const steps = applied(planImport(facts({}, { request })));
  assert.equal(steps.id, asked);
  assert.equal(steps.marks[P.volumeId], asked);
  assert.equal(steps.mountpoint, `/m/${asked}`);
  assert.equal(applied(planImport(facts({ [P.volumeId]: asked }, { request, idOwner: DS }))).id, asked, 'an interrupted attempt under that ID is finished');
  refusal(facts({ [P.volumeId]: RECORDED }, { request }), 'FAILED_PRECONDITION', new RegExp(`carries zfs.csi.dev:volume-id=${RECORDED} .*not ${asked}`));
  const done = { [P.managed]: 'true', [P.volumeId]: RECORDED, [P.imported]: 'x', [P.csiName]: encodeURIComponent(DS) };
  refusal(facts(done, { idOwner: DS, request }), 'FAILED_PRECONDITION', /already managed by the driver \(volume vol-b/);
});

test('importParent: a direct child of a configured parent only; snapshots and bad names are INVALID_ARGUMENT', () => {
  const parents = ['tank/csi', 'tank/fast'];
  assert.equal(importParent('tank/fast/db', parents), 'tank/fast');
  const invalid = (name: string, pattern: RegExp): void => {
    assert.throws(() => importParent(name, parents), (err: unknown) => err instanceof DriverError && err.code === 'INVALID_ARGUMENT' && pattern.test(err.message));
  };
  invalid('tank/other/db', /not below a configured parent \(tank\/csi, tank\/fast\)/);
  invalid('tank/csi', /not below a configured parent/);
  invalid('tank/csi/a/b', /not a direct child of tank\/csi/);
  invalid('tank/csi/db@snap', /snapshots cannot be imported/);
  invalid('tank/csi/a b', /not a dataset name/);
  invalid('tank/csix/db', /not below a configured parent/);
});

/**
 * Bad input, property-based (fast-check, bounded runs), against a real driver (issue 2 §8; DESIGN.md §4, §5).
 * Names: the spec allows any Unicode up to 128 bytes except U+0000–U+0008, U+000B, U+000C, U+000E–U+001F,
 * U+007F–U+009F, so `/`, `@`, `%`, `,`, `..` and whitespace must WORK and the banned controls and 129+ bytes are
 * INVALID_ARGUMENT. Inconsistent capacity ranges, unknown StorageClass parameters and bad values, relative /
 * `..` / symlinked target paths are INVALID_ARGUMENT. After every refusal the pool under the parent, the mount
 * table below the directories involved and the target directories are exactly as before.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { allowedKeys } from '../../src/csi/params.js';
import { startDriver, type Driver } from '../support/driver.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import {
  VOLUME_BYTES, assertPoolEmpty, createVolume, datasetOf, mountCap, mountsBelow, rejectsWith, targetParent, unique,
  volumeRequest,
} from './support.js';

const RUNS = 40;
const BANNED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

let d: Driver;
let volumeId: string;
let parent: string;
let outside: string;

before(async () => {
  d = await startDriver();
  volumeId = (await createVolume(d, unique('bad-input-fixture'))).volume_id;
  parent = await targetParent(d, 'targets');
  outside = await mkdtemp(join(tmpdir(), 'zfs-csi-outside-'));
  await mkdir(join(outside, 'victim'));
});
after(async () => {
  await d.cleanup();
  await rm(outside, { recursive: true, force: true });
});

interface State {
  readonly tree: string[];
  readonly mounts: string[];
  readonly targets: string[];
  readonly outside: string[];
}

async function state(): Promise<State> {
  return {
    tree: await zfsTree(d.parent),
    mounts: await mountsBelow(d.dir, outside),
    targets: (await readdir(parent)).sort(),
    outside: (await readdir(outside)).sort(),
  };
}

/** The call is INVALID_ARGUMENT and nothing changed: pool, mounts, target and outside directories. */
async function refusedUnchanged(what: string, call: () => Promise<unknown>): Promise<void> {
  const before = await state();
  await rejectsWith(call(), 'INVALID_ARGUMENT', what);
  assert.deepEqual(await state(), before, `${what} must leave everything as it was`);
}

describe('names', () => {
  const piece = fc.oneof(
    { arbitrary: fc.constantFrom('/', '@', '%', ',', '..', ' ', '\t', '\n', '\r', '-', ':', '.', '#', '*'), weight: 6 },
    { arbitrary: fc.constantFrom('é', '日本', '😀', 'ß', '\u00a0', '\u200b'), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), weight: 1 },
  );
  const name = fc.array(piece, { minLength: 1, maxLength: 24 }).map((p) => p.join(''));
  const legal = (n: string): boolean => Buffer.byteLength(n, 'utf8') <= 128 && !BANNED.test(n);
  const examples: [string][] = [
    ['a/b'], ['vol@snap'], ['50%'], ['a,b'], ['..'], ['../../etc'], [' lead and trail '], ['tab\there'],
    ['line\nbreak'], ['cr\rlf\r\n'], ['nul\u0000byte'], ['del\u007f'], ['c1\u0085'], ['x'.repeat(129)], ['é'.repeat(65)],
  ];

  it('legal names work and are found again by name; banned controls and >128 bytes are refused', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        if (!legal(n)) {
          refused++;
          await refusedUnchanged(`CreateVolume ${JSON.stringify(n)}`, () =>
            d.client.controller.CreateVolume(volumeRequest(n)));
          await refusedUnchanged(`CreateSnapshot ${JSON.stringify(n)}`, () =>
            d.client.controller.CreateSnapshot({ name: n, source_volume_id: volumeId }));
          return;
        }
        accepted++;
        const before = await state();
        const v = await createVolume(d, n, VOLUME_BYTES / 16n);
        assert.equal((await createVolume(d, n, VOLUME_BYTES / 16n)).volume_id, v.volume_id, 'found again by name');
        assert.ok(!before.tree.includes(datasetOf(d, v.volume_id)));
        const s = await d.client.controller.CreateSnapshot({ name: n, source_volume_id: v.volume_id });
        const again = await d.client.controller.CreateSnapshot({ name: n, source_volume_id: v.volume_id });
        assert.equal(again.snapshot?.snapshot_id, s.snapshot?.snapshot_id);
        await d.client.controller.DeleteSnapshot({ snapshot_id: s.snapshot?.snapshot_id ?? '' });
        await d.client.controller.DeleteVolume({ volume_id: v.volume_id });
        assert.deepEqual(await state(), before, 'create + delete leaves nothing');
      }),
      { numRuns: RUNS, examples },
    );
    assert.ok(accepted > 0 && refused > 0, `both kinds were tried (accepted ${accepted}, refused ${refused})`);
  });
});

describe('capacity ranges', () => {
  const int64 = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
  const inconsistent = fc.oneof(
    fc.tuple(fc.bigInt({ min: 2n, max: 1n << 50n }), fc.bigInt({ min: 1n, max: 1n << 50n })).filter(([r, l]) => l < r),
    fc.tuple(fc.bigInt({ min: INT64_MIN, max: -1n }), int64.filter((l) => l >= 0n)),
    fc.tuple(int64.filter((r) => r >= 0n), fc.bigInt({ min: INT64_MIN, max: -1n })),
  );

  it('limit < required, or a negative bound → INVALID_ARGUMENT for CreateVolume and ControllerExpandVolume', async () => {
    await fc.assert(
      fc.asyncProperty(inconsistent, async ([required, limit]) => {
        const capacity_range = { required_bytes: required.toString(), limit_bytes: limit.toString() };
        await refusedUnchanged(`CreateVolume [${required}, ${limit}]`, () =>
          d.client.controller.CreateVolume({ ...volumeRequest(unique('range')), capacity_range }));
        await refusedUnchanged(`ControllerExpandVolume [${required}, ${limit}]`, () =>
          d.client.controller.ControllerExpandVolume({ volume_id: volumeId, capacity_range }));
      }),
      { numRuns: RUNS, examples: [[[2n, 1n]], [[-1n, 0n]], [[0n, -1n]], [[INT64_MIN, INT64_MAX]]] },
    );
    assert.equal(await zfsProp(datasetOf(d, volumeId), 'refquota'), VOLUME_BYTES.toString());
  });
});

describe('StorageClass parameters', () => {
  const known = allowedKeys();
  const unknownKey = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 24 }).filter((k) => !known.includes(k) && !k.startsWith('csi.storage.k8s.io/')),
    fc.constantFrom('mountpoint', 'refquota', 'quota', 'canmount', 'refreservation', 'sharenfs', 'volsize', 'origin',
      'zfs.csi.dev:managed', 'Compression', '__proto__', 'constructor', 'toString', 'compression ', '-o'),
  );
  // '!' is in no value grammar; the fixed ones try argv and dataset-name tricks.
  const bang = fc.string({ maxLength: 16 }).map((s) => `${s}!`);
  const badValue = fc.oneof(
    bang,
    fc.constantFrom('', 'lz4 -o mountpoint=/', '-o', '4', '3K', '2M', '0', '../etc', 'refquota;quota', 'on,off'),
  );
  // parentDataset's grammar is a ZFS dataset name: `yes` or `gzip-10` would be valid names, so its own set.
  const badDataset = fc.oneof(
    bang,
    fc.constantFrom('', '../etc', 'zfscsi/a@b', '/zfscsi', 'zfscsi/a%b', 'zfscsi/a,b', 'zfscsi/../x', 'zfscsi//a', '9pool'),
  );
  const keyAndBadValue = fc.constantFrom(...known).chain((key) =>
    (key === 'parentDataset' ? badDataset : badValue).map((value) => [key, value] as const));

  it('an unknown key → INVALID_ARGUMENT, nothing made', async () => {
    await fc.assert(
      fc.asyncProperty(unknownKey, fc.string({ maxLength: 16 }), async (key, value) => {
        await refusedUnchanged(`parameter ${JSON.stringify(key)}`, () =>
          d.client.controller.CreateVolume(volumeRequest(unique('param-key'), VOLUME_BYTES, { parameters: { [key]: value } })));
      }),
      { numRuns: RUNS },
    );
  });

  it('a known key with a value outside its grammar → INVALID_ARGUMENT, nothing made', async () => {
    await fc.assert(
      fc.asyncProperty(keyAndBadValue, async ([key, value]) => {
        await refusedUnchanged(`${key}=${JSON.stringify(value)}`, () =>
          d.client.controller.CreateVolume(volumeRequest(unique('param-value'), VOLUME_BYTES, { parameters: { [key]: value } })));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('target paths', () => {
  const segment = fc.constantFrom('a', 'b', 'target', 'x y', '..', '.');
  const relative = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
  const dotted = fc
    .tuple(fc.array(fc.constantFrom('a', 'target'), { maxLength: 2 }), fc.constantFrom('..', '.'),
      fc.array(fc.constantFrom('a', 'target', '..'), { minLength: 1, maxLength: 2 }))
    .map(([pre, dot, post]) => [parent, ...pre, dot, ...post].join('/'));
  const nul = fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).map((s) => `${parent}/t${s}\u0000x`);
  const badPath = fc.oneof(relative, dotted, nul);

  it('relative, `..`/`.` and NUL paths → INVALID_ARGUMENT for publish and unpublish, nothing mounted or made', async () => {
    await fc.assert(
      fc.asyncProperty(badPath, fc.boolean(), async (target, readonly) => {
        await refusedUnchanged(`publish at ${JSON.stringify(target)}`, () =>
          d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: mountCap(), readonly }));
        await refusedUnchanged(`unpublish at ${JSON.stringify(target)}`, () =>
          d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target }));
      }),
      { numRuns: RUNS, examples: [['target', false], [`${parent}/../escape`, false], [`${parent}/./target`, true]] },
    );
  });

  it('a target that is a symlink (to a dir outside, or dangling) → INVALID_ARGUMENT, nothing mounted there', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('victim', 'missing', '.'), async (pointsTo) => {
        const link = join(parent, `link-${n++}`);
        const destination = join(outside, pointsTo);
        await symlink(destination, link);
        await refusedUnchanged(`publish at a symlink to ${destination}`, () =>
          d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: link, volume_capability: mountCap() }));
        await refusedUnchanged(`unpublish at a symlink to ${destination}`, () =>
          d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: link }));
        assert.deepEqual(await readdir(join(outside, 'victim')), [], 'the outside directory is untouched');
        await rm(link);
      }),
      { numRuns: 12 },
    );
  });
});

describe('cleanup', () => {
  it('the fixture volume deletes to nothing', async () => {
    await d.client.controller.DeleteVolume({ volume_id: volumeId });
    await assertPoolEmpty(d);
  });
});

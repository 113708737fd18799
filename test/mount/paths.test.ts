import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MountError } from '../../src/mount/errors.js';
import {
  MAX_PATH_BYTES,
  assertNotSymlink,
  canonicalOrSelf,
  canonicalPath,
  checkPath,
  refuseSymlink,
} from '../../src/mount/paths.js';

const code = (c: string) => (err: unknown) => err instanceof MountError && err.code === c;

describe('checkPath (lexical, §4 rule 3)', () => {
  it('accepts absolute normalised paths and returns them unchanged', () => {
    for (const p of ['/a', '/var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/pv/mount', '/sp ace/é']) {
      assert.equal(checkPath(p), p);
    }
  });

  it('collapses repeated slashes and a trailing slash (same file to the kernel)', () => {
    assert.equal(checkPath('//x'), '/x');
    assert.equal(checkPath('/a//b/'), '/a/b');
  });

  for (const p of ['', 'a/b', './a', '/a/../b', '/..', '/a/..', '/a/./b', '/.', '/', '//', '/a\0b']) {
    it(`refuses ${JSON.stringify(p)} with INVALID_ARGUMENT`, () => {
      assert.throws(() => checkPath(p), code('INVALID_ARGUMENT'));
    });
  }

  it('allows segments that merely contain dots', () => {
    assert.equal(checkPath('/a/..b/.c/...'), '/a/..b/.c/...');
  });

  it('limits the length in bytes, not characters', () => {
    const fits = `/${'a'.repeat(MAX_PATH_BYTES - 1)}`;
    assert.equal(checkPath(fits), fits);
    assert.throws(() => checkPath(`${fits}a`), code('INVALID_ARGUMENT'));
    const multiByte = `/${'é'.repeat(Math.ceil(MAX_PATH_BYTES / 2))}`; // 2 bytes each: over the limit
    assert.ok(multiByte.length < MAX_PATH_BYTES);
    assert.throws(() => checkPath(multiByte), code('INVALID_ARGUMENT'));
  });

  it('property: an accepted path is absolute, normalised, without NUL or dot segments, and a fixpoint', () => {
    const segment = fc.oneof(
      fc.constantFrom('', '.', '..', 'a', '..b', 'x y', '\0', 'é'),
      fc.string({ maxLength: 6 }),
    );
    const path = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 8 }), fc.boolean()).map(
      ([abs, segs, trailing]) => `${abs ? '/' : ''}${segs.join('/')}${trailing ? '/' : ''}`,
    );
    fc.assert(
      fc.property(fc.oneof(path, fc.string()), (p) => {
        let out: string;
        try {
          out = checkPath(p);
        } catch (err) {
          assert.ok(err instanceof MountError && err.code === 'INVALID_ARGUMENT');
          return;
        }
        assert.ok(out.startsWith('/'));
        assert.ok(!out.includes('\0'));
        const segs = out.split('/').slice(1);
        assert.ok(segs.length > 0 && segs.every((s) => s !== '' && s !== '.' && s !== '..'));
        assert.equal(posix.normalize(out), out);
        assert.equal(checkPath(out), out);
        assert.ok(Buffer.byteLength(out) <= MAX_PATH_BYTES);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('path I/O checks', () => {
  it('assertNotSymlink: symlink → INVALID_ARGUMENT, missing → undefined, directory → its stats', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zfs-csi-paths-'));
    try {
      await mkdir(join(dir, 'd'));
      await symlink(join(dir, 'd'), join(dir, 'link'));
      assert.equal((await assertNotSymlink(join(dir, 'd')))?.isDirectory(), true);
      assert.equal(await assertNotSymlink(join(dir, 'missing')), undefined);
      await assert.rejects(assertNotSymlink(join(dir, 'link')), code('INVALID_ARGUMENT'));
      await assert.rejects(refuseSymlink(join(dir, 'link')), code('INVALID_ARGUMENT'));
      await refuseSymlink(join(dir, 'd'));
      await refuseSymlink(join(dir, 'missing'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('canonicalPath resolves the parent but never the final component', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zfs-csi-paths-'));
    try {
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'alias'));
      await symlink('/etc', join(dir, 'real', 'last'));
      const realDir = await canonicalPath(join(dir, 'x')).then(posix.dirname);
      assert.equal(await canonicalPath(join(dir, 'alias', 'last')), join(realDir, 'real', 'last'));
      await assert.rejects(canonicalPath(join(dir, 'nope', 'x')), code('NOT_FOUND'));
      assert.equal(await canonicalOrSelf(join(dir, 'nope', 'x')), join(dir, 'nope', 'x'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { decodeToken, encodeToken, paginate, parsePageRequest } from '../../src/csi/pagination.js';

const isId = (id: string): boolean => /^id-\d+$/.test(id);
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `id-${String(i).padStart(2, '0')}`);

function fails(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof DriverError && err.code === code);
}

function page(items: string[], max: number, token = ''): { entries: readonly string[]; nextToken: string } {
  return paginate(items, (x) => x, parsePageRequest({ max_entries: max, starting_token: token }, isId));
}

describe('pagination', () => {
  it('tokens are opaque base64url of v1:<id> and round-trip', () => {
    const t = encodeToken('id-07');
    assert.equal(Buffer.from(t, 'base64url').toString(), 'v1:id-07');
    assert.equal(decodeToken(t, isId), 'id-07');
  });

  it('0 means everything, no token', () => {
    assert.deepEqual(page(ids(5), 0), { entries: ids(5), nextToken: '' });
  });

  it('walks all pages without gaps or repeats, sorting the input', () => {
    const all = ids(7);
    const shuffled = [...all].reverse();
    const seen: string[] = [];
    let token = '';
    let calls = 0;
    do {
      const p = page(shuffled, 3, token);
      assert.ok(p.entries.length <= 3);
      seen.push(...p.entries);
      token = p.nextToken;
      calls++;
    } while (token !== '');
    assert.deepEqual(seen, all);
    assert.equal(calls, 3);
  });

  it('last page exactly full gives no further token', () => {
    assert.equal(page(ids(3), 3).nextToken, '');
  });

  it('is stable under inserts and deletes between pages (key-based, not offsets)', () => {
    const first = page(ids(6), 2);
    assert.deepEqual(first.entries, ['id-00', 'id-01']);
    // id-00 and id-01 deleted, id-01 was the token's id; a new small id appears before the cursor.
    const changed = ['id-02', 'id-03', 'id-04', 'id-05', 'id-000'];
    const second = page(changed, 2, first.nextToken);
    assert.deepEqual(second.entries, ['id-02', 'id-03']);
  });

  it('negative max_entries → INVALID_ARGUMENT', () => {
    fails(() => parsePageRequest({ max_entries: -1, starting_token: '' }, isId), 'INVALID_ARGUMENT');
  });

  it('malformed tokens → ABORTED', () => {
    for (const bad of ['garbage!', encodeToken('other-1'), Buffer.from('v2:id-01').toString('base64url'),
      `${encodeToken('id-01')}AA`, '3']) {
      fails(() => parsePageRequest({ max_entries: 0, starting_token: bad }, isId), 'ABORTED');
    }
  });
});

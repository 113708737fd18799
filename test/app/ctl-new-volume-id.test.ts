/**
 * `ctl new-volume-id` (docs/import.md step 1): the ID it prints is one the driver's own decoder accepts, each
 * call makes a new one, and it works with no driver to talk to (the endpoint points nowhere).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctlUsage, runCtl } from '../../src/app/ctl/main.js';
import { isVolumeId } from '../../src/csi/ids.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { CSI_ENDPOINT: 'unix:///nonexistent/zfs-csi/csi.sock' };
  const code = await runCtl(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join(''), err: err.join('') };
}

test('prints one bare volume ID in the driver\'s format, and a different one each call, without a socket', async () => {
  const first = await run(['new-volume-id']);
  const second = await run(['new-volume-id']);
  for (const r of [first, second]) {
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, /^\S+\n$/);
    assert.ok(isVolumeId(r.out.trim()), `not a driver volume ID: ${r.out}`);
  }
  assert.notEqual(first.out, second.out);
});

test('--json gives the ID as volumeId; a stray argument is a usage error; --help lists it', async () => {
  const json = await run(['new-volume-id', '--json']);
  assert.equal(json.code, 0, json.err);
  const parsed = JSON.parse(json.out) as unknown;
  assert.ok(typeof parsed === 'object' && parsed !== null && 'volumeId' in parsed);
  assert.ok(typeof parsed.volumeId === 'string' && isVolumeId(parsed.volumeId));
  assert.equal((await run(['new-volume-id', 'extra'])).code, 2);
  assert.match(ctlUsage(), /^ {2}new-volume-id {2,}Print a fresh volume ID/m);
});

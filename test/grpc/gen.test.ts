// The committed generated types must match csi-proto/csi.proto: regenerate into a temp dir and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { packageRoot } from '../../src/grpc/load.js';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  (function walk(d: string): void {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  })(dir);
  return out.sort();
}

test('src/grpc/gen is what scripts/gen-proto.mjs produces from csi.proto', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'zfs-csi-gen-'));
  try {
    execFileSync(process.execPath, [join(packageRoot, 'scripts', 'gen-proto.mjs'), tmp], { stdio: 'pipe' });
    const committed = join(packageRoot, 'src', 'grpc', 'gen');
    const fresh = listFiles(tmp);
    assert.deepEqual(listFiles(committed), fresh, 'file list differs: run `npm run gen:proto`');
    assert.ok(fresh.includes(join('csi', 'v1', 'CreateVolumeRequest.ts')));
    for (const file of fresh) {
      const a = readFileSync(join(committed, file));
      const b = readFileSync(join(tmp, file));
      assert.ok(a.equals(b), `${file} is stale: run \`npm run gen:proto\``);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

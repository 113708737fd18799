#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner.
// Args: optional substrings to select files (e.g. `npm test -- zfs/`). Unit tests are *.test.js,
// integration tests (real zfs-fuse pool, mounts, gRPC) are *.int.test.js; both run by default.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
})(root);
const filters = process.argv.slice(2);
const selected = files
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Two at a time: the machine has two cores and one zfs-fuse daemon serves every test pool.
const concurrency = process.env.ZFS_CSI_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

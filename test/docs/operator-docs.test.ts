/**
 * The operator docs (docs/*.md) must stay true to the code and the chart (issue 4 §4): parameter tables equal
 * the allow-list and every documented value is accepted, quoted error messages are the ones the code makes,
 * serve flags and ctl commands exist, values keys exist in values.yaml, and every YAML example parses.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { SERVE_FLAGS } from '../../src/app/config.js';
import { COMMANDS } from '../../src/app/ctl/commands.js';
import { DriverError } from '../../src/domain/errors.js';
import { MUTABLE_KEYS, parseMutableParams } from '../../src/csi/mutable-params.js';
import { DRIVER_KEYS, PROPERTY_GRAMMARS, parseParams } from '../../src/csi/params.js';
import { CHART, REPO, parseDocs } from '../chart/chart.js';

const OWNED = [
  'README.md', 'install.md', 'parameters.md', 'snapshots.md', 'expansion.md', 'standalone.md',
  'troubleshooting.md', 'upgrade-uninstall.md', 'security.md', 'import.md',
];
const doc = (name: string): string => readFileSync(join(REPO, 'docs', name), 'utf8');

/** The markdown section under a `## title` heading, up to the next `## `. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `section "${title}" is missing`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** First-column keys (`key`) of the table rows in a piece of markdown. */
function tableKeys(md: string): string[] {
  return [...md.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '');
}

function errorOf(fn: () => unknown): DriverError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DriverError) return err;
    throw err;
  }
  assert.fail('expected a DriverError');
}

test('parameters.md lists exactly the driver keys and the ZFS property allow-list', () => {
  const md = doc('parameters.md');
  assert.deepEqual(tableKeys(section(md, 'Driver settings')).sort(), [...DRIVER_KEYS].sort());
  assert.deepEqual(tableKeys(section(md, 'ZFS properties')).sort(), Object.keys(PROPERTY_GRAMMARS).sort());
});

test('every value parameters.md documents for a ZFS property is accepted by the driver', () => {
  const rows = section(doc('parameters.md'), 'ZFS properties').split('\n').filter((l) => l.startsWith('| `'));
  let checked = 0;
  for (const row of rows) {
    const [, keyCell = '', valuesCell = ''] = row.split('|').map((c) => c.trim());
    const key = keyCell.replaceAll('`', '');
    for (const [, value = ''] of valuesCell.matchAll(/`([^`]+)`/g)) {
      if (value === 'K' || value === 'M' || value === 'b' || value === ',verify') continue; // suffix notes
      assert.doesNotThrow(() => parseParams({ [key]: value }), `${key}=${value}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `only ${checked} documented values found`);
});

test('the error messages quoted in parameters.md are the ones the driver produces', () => {
  const md = doc('parameters.md');
  const unknown = errorOf(() => parseParams({ foo: 'bar' }));
  const badSize = errorOf(() => parseParams({ recordsize: '3K' }));
  for (const err of [unknown, badSize]) {
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.ok(md.includes(`INVALID_ARGUMENT: ${err.message}`), `parameters.md does not quote: ${err.message}`);
  }
});

test('parameters.md lists exactly the mutable keys and quotes the refusals ControllerModifyVolume makes', () => {
  const md = doc('parameters.md');
  assert.deepEqual(tableKeys(section(md, 'Changing a live volume (VolumeAttributesClass)')).sort(), [...MUTABLE_KEYS].sort());
  for (const params of [{ casesensitivity: 'mixed' }, { xattr: 'sa' }]) {
    const err = errorOf(() => parseMutableParams(params));
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.ok(md.includes(`INVALID_ARGUMENT: ${err.message}`), `parameters.md does not quote: ${err.message}`);
  }
});

test('the serve flag table in standalone.md matches SERVE_FLAGS, flag and environment variable', () => {
  const rows = [...doc('standalone.md').matchAll(/^\| `--([a-z-]+)` \| `([A-Z_]+)` \|/gm)];
  const documented = Object.fromEntries(rows.map((m) => [m[1] ?? '', m[2] ?? '']));
  const actual = Object.fromEntries(Object.entries(SERVE_FLAGS).map(([flag, { env }]) => [flag, env]));
  assert.deepEqual(documented, actual);
});

test('every zfs-csi ctl command is listed in standalone.md, and every one it uses exists', () => {
  const md = doc('standalone.md');
  const all = section(md, '`zfs-csi ctl`');
  const names = new Set(COMMANDS.map((c) => c.name));
  for (const name of names) assert.ok(all.includes(`\`${name}\``), `standalone.md does not list ctl ${name}`);
  for (const name of OWNED.flatMap((f) => [...doc(f).matchAll(/zfs-csi ctl ([a-z-]+)/g)].map((m) => m[1] ?? ''))) {
    if (name === 'ctl') continue;
    assert.ok(names.has(name), `docs use an unknown ctl command: ${name}`);
  }
});

test('chart values keys named in the docs exist in values.yaml', () => {
  const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as unknown;
  const has = (path: string): boolean => {
    let cur: unknown = values;
    for (const part of path.split('.')) {
      if (typeof cur !== 'object' || cur === null || !(part in cur)) return false;
      cur = (cur as Record<string, unknown>)[part];
    }
    return true;
  };
  const roots = ['node', 'controller', 'metrics', 'crds', 'image', 'csiDriver', 'rbac', 'serviceAccount'];
  const pattern = new RegExp(`\`((?:${roots.join('|')})\\.[A-Za-z.]+)`, 'g');
  let checked = 0;
  for (const name of OWNED) {
    for (const [, path = ''] of doc(name).matchAll(pattern)) {
      assert.ok(has(path), `${name} names values key ${path}, which values.yaml does not have`);
      checked++;
    }
  }
  assert.ok(checked > 10, `only ${checked} values keys found`);
});

test('every YAML example in the operator docs parses, and the manifests use the chart\'s names', () => {
  let manifests = 0;
  for (const name of OWNED) {
    // A fenced block inside a list item is indented; strip the fence's indent so `---` separates documents.
    for (const [, indent = '', body = ''] of doc(name).matchAll(/^( *)```yaml\n([\s\S]*?)^ *```/gm)) {
      const dedented = body.split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
      for (const obj of parseDocs(dedented, name)) {
        const o = obj as { kind?: string; provisioner?: string; driver?: string; spec?: Record<string, unknown> };
        if (o.kind === 'StorageClass') assert.equal(o.provisioner, 'zfs.csi.dev', name);
        if (o.kind === 'VolumeSnapshotClass') assert.equal(o.driver, 'zfs.csi.dev', name);
        if (o.kind === 'PersistentVolumeClaim') assert.equal(o.spec?.['storageClassName'], 'zfs', name);
        if (o.kind === 'VolumeSnapshot') assert.equal(o.spec?.['volumeSnapshotClassName'], 'zfs', name);
        if (o.kind !== undefined) manifests++;
      }
    }
  }
  assert.ok(manifests >= 7, `only ${manifests} manifests found`);
});

test('links between the docs point at files that exist', () => {
  for (const name of OWNED) {
    for (const [, target = ''] of doc(name).matchAll(/\]\(([a-z-]+\.md)(?:#[a-z0-9-]+)?\)/g)) {
      assert.ok(existsSync(join(REPO, 'docs', target)), `${name} links to missing ${target}`);
    }
  }
});

/**
 * What the pool itself holds under a parent, read with `zfs get` independently of the driver's own decoder,
 * and the invariants of DESIGN.md §3.1 checked against it: every object is managed and its record decodes,
 * one object per CSI name, no orphan helper snapshot.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';

const PREFIX = 'zfs.csi.dev:';
const USER_PROPS = ['managed', 'kind', 'volume-id', 'snapshot-id', 'csi-name', 'source-volume-id', 'helper-for', 'retired', 'params'];

export interface PoolEntry {
  readonly name: string;
  readonly type: string;
  /** Only locally set user properties (snapshots inherit their dataset's), keys without the prefix. */
  readonly local: ReadonlyMap<string, string>;
  readonly deferDestroy: boolean;
}

/** Every dataset and snapshot strictly below parent, sorted by name. */
export async function poolEntries(parent: string): Promise<PoolEntry[]> {
  const props = ['type', 'defer_destroy', ...USER_PROPS.map((p) => PREFIX + p)].join(',');
  const r = await execa('/sbin/zfs', ['get', '-H', '-p', '-r', '-o', 'name,property,value,source', props, parent], {
    reject: false,
  });
  if (r.exitCode !== 0) {
    if (/does not exist/.test(r.stderr)) return [];
    throw new Error(`zfs get under ${parent} failed: ${r.stderr}`);
  }
  const byName = new Map<string, { type: string; local: Map<string, string>; deferDestroy: boolean }>();
  for (const line of r.stdout.split('\n')) {
    const [name, property, value, source] = line.split('\t');
    if (name === undefined || property === undefined || value === undefined || name === parent) continue;
    const entry = byName.get(name) ?? { type: '', local: new Map<string, string>(), deferDestroy: false };
    byName.set(name, entry);
    if (property === 'type') entry.type = value;
    else if (property === 'defer_destroy') entry.deferDestroy = value === 'on';
    else if (property.startsWith(PREFIX) && source === 'local') entry.local.set(property.slice(PREFIX.length), value);
  }
  return [...byName].map(([name, e]) => ({ name, ...e })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

const decodes = (value: string | undefined): boolean => {
  if (value === undefined || value === '') return false;
  try {
    decodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
};

export const volumesOf = (entries: readonly PoolEntry[]): PoolEntry[] =>
  entries.filter((e) => e.type === 'filesystem' && e.local.get('kind') === 'volume');

export const csiSnapshotsOf = (entries: readonly PoolEntry[]): PoolEntry[] =>
  entries.filter((e) => e.type === 'snapshot' && e.local.get('kind') === 'snapshot');

/** Live (not retired) volume IDs on the pool: what ListVolumes must report. */
export const liveVolumeIds = (entries: readonly PoolEntry[]): string[] =>
  volumesOf(entries).filter((e) => !e.local.has('retired')).map((e) => e.local.get('volume-id') ?? '?').sort();

/** Snapshot IDs the CO may still see (deferred-destroy ones are deleted as far as the CO knows). */
export const visibleSnapshotIds = (entries: readonly PoolEntry[]): string[] =>
  csiSnapshotsOf(entries).filter((e) => !e.deferDestroy).map((e) => e.local.get('snapshot-id') ?? '?').sort();

/** How many objects carry each (decoded) CSI name. */
export function csiNameCounts(entries: readonly PoolEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const name = decodeURIComponent(e.local.get('csi-name') ?? '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * No half-made object (DESIGN.md §3.1): everything below the parent is managed and its record decodes;
 * a helper snapshot exists only behind its clone and is already marked for deferred destroy.
 */
export function assertWellFormed(parent: string, entries: readonly PoolEntry[]): void {
  const datasets = new Set(volumesOf(entries).map((e) => e.name));
  for (const e of entries) {
    const p = e.local;
    assert.equal(p.get('managed'), 'true', `${e.name} is not marked managed`);
    const kind = p.get('kind');
    if (e.type === 'filesystem') {
      assert.equal(kind, 'volume', `${e.name}: dataset of kind ${String(kind)}`);
      assert.equal(`${parent}/${p.get('volume-id') ?? ''}`, e.name, `${e.name}: volume-id does not match its name`);
      assert.ok(decodes(p.get('csi-name')), `${e.name}: csi-name does not decode`);
      assert.ok(decodes(p.get('params')), `${e.name}: params do not decode`);
    } else if (kind === 'snapshot') {
      assert.equal(e.name.slice(e.name.indexOf('@') + 1), p.get('snapshot-id'), `${e.name}: snapshot-id mismatch`);
      assert.ok(decodes(p.get('csi-name')), `${e.name}: csi-name does not decode`);
      assert.ok(p.get('source-volume-id'), `${e.name}: no source-volume-id`);
    } else {
      assert.equal(kind, 'clone-helper', `${e.name}: snapshot of kind ${String(kind)}`);
      const forVolume = p.get('helper-for') ?? '';
      assert.ok(e.name.endsWith(`@clone-${forVolume}`), `${e.name}: helper-for ${forVolume} does not match its name`);
      assert.ok(datasets.has(`${parent}/${forVolume}`), `${e.name}: orphan helper snapshot (its clone does not exist)`);
      assert.ok(e.deferDestroy, `${e.name}: helper snapshot not marked for deferred destroy (it would outlive its clone)`);
    }
  }
}

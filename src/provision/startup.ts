import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { Zfs } from '../zfs/zfs.js';
import type { Provisioner } from './provisioner.js';

export interface StartupReport {
  readonly volumes: number;
  readonly retired: number;
  readonly snapshots: number;
  /** Objects under a parent that this driver did not make (or whose record is damaged): reported, never touched. */
  readonly foreign: readonly string[];
}

/**
 * Rebuilds standalone state from the pool: one `zfs get -r` per parent (DESIGN.md §7), then finishes what a
 * crash may have interrupted: a retired volume still mountable gets canmount=off (retire sets the mark first).
 */
export async function loadState(
  provisioner: Provisioner,
  zfs: Zfs,
  store: MemoryStore,
  parents: readonly string[],
  signal?: AbortSignal,
): Promise<StartupReport> {
  const volumes: VolumeRecord[] = [];
  const snapshots: SnapshotRecord[] = [];
  const foreign: string[] = [];
  const mountable: string[] = [];
  for (const parent of parents) {
    const infos = await zfs.get([parent], ['canmount'], { depth: 1 }, signal);
    for (const i of infos) if (i.name !== parent && i.props.get('canmount') !== 'off') mountable.push(i.name);
    const view = await provisioner.scan(parent, signal);
    volumes.push(...view.volumes);
    snapshots.push(...view.snapshots);
    foreign.push(...view.foreign);
  }
  for (const v of volumes) {
    if (v.retired && mountable.includes(v.dataset)) await zfs.set(v.dataset, { canmount: 'off' }, signal);
  }
  store.replaceAll(volumes, snapshots);
  return {
    volumes: volumes.filter((v) => !v.retired).length,
    retired: volumes.filter((v) => v.retired).length,
    snapshots: snapshots.length,
    foreign,
  };
}

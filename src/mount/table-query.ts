/**
 * Pure questions asked of a parsed mount table. A bind mount shows in mountinfo as another entry with the
 * same filesystem (`device`, major:minor) and the same `root` (the directory inside that filesystem that
 * is mounted). That holds for OpenZFS (fstype `zfs`, one device per dataset), zfs-fuse (fstype `fuse.zfs`,
 * source = dataset name, one FUSE device per dataset) and plain directories (ext4, tmpfs: `root` is the
 * bound subdirectory), so identity is (device, root) and never the fstype or source string.
 */
import { posix } from 'node:path';
import type { MountEntry } from './mounter.js';

/** What a path shows through the mount table: a filesystem and a directory inside it. */
export interface FsIdentity {
  readonly device: string;
  readonly root: string;
}

/**
 * The visible mount at exactly `mountPoint`: with stacked mounts, the one no other entry there sits on
 * (its id is nobody's parentId). Undefined when nothing is mounted there.
 */
export function topMountAt(table: readonly MountEntry[], mountPoint: string): MountEntry | undefined {
  const here = table.filter((e) => e.mountPoint === mountPoint);
  return here.find((e) => !here.some((o) => o.parentId === e.id)) ?? here.at(-1);
}

const isUnder = (path: string, dir: string): boolean =>
  dir === '/' ? path.startsWith('/') : path === dir || path.startsWith(`${dir}/`);

/**
 * The (device, root) that `path` shows: the visible mount at its longest mounted prefix, with the rest of
 * the path appended to that mount's root. `path` must be canonical (no symlinks, see paths.ts).
 */
export function identityOf(table: readonly MountEntry[], path: string): FsIdentity | undefined {
  let best: MountEntry | undefined;
  for (const e of table) {
    if (!isUnder(path, e.mountPoint)) continue;
    if (best === undefined || e.mountPoint.length > best.mountPoint.length) best = e;
  }
  if (best === undefined) return undefined;
  const top = topMountAt(table, best.mountPoint) ?? best;
  const rest = posix.relative(top.mountPoint, path);
  return { device: top.device, root: rest === '' ? top.root : posix.join(top.root, rest) };
}

const sameFs = (e: MountEntry, id: FsIdentity): boolean => e.device === id.device && e.root === id.root;

/** Mount points (deduplicated, table order) showing the same directory as `source`, `source` excluded. */
export function bindsIn(table: readonly MountEntry[], source: string): string[] {
  const id = identityOf(table, source);
  if (id === undefined) return [];
  const out: string[] = [];
  for (const e of table) {
    if (e.mountPoint === source || !sameFs(e, id) || out.includes(e.mountPoint)) continue;
    if (topMountAt(table, e.mountPoint) !== e) continue; // covered by another mount: not what is seen
    out.push(e.mountPoint);
  }
  return out;
}

/** The visible mount at `target` when it shows `source`'s directory, else undefined. */
export function bindAt(
  table: readonly MountEntry[],
  source: string,
  target: string,
): MountEntry | undefined {
  const id = identityOf(table, source);
  const top = topMountAt(table, target);
  return id !== undefined && top !== undefined && sameFs(top, id) ? top : undefined;
}

/** True when the mount's per-mount flags make it read-only (a `remount,bind,ro` sets them). */
export const isReadOnly = (e: MountEntry): boolean => e.options.includes('ro');

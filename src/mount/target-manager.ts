/**
 * The Node service's view of the host (src/mount/targets.ts) over a Mounter: CSI publish targets as bind
 * mounts of dataset mountpoints (DESIGN.md §3 NodePublishVolume), with the path rules of §4 rule 3 and
 * the verified unmount of §4 rule 4. Every comparison with the mount table uses canonical paths, since the
 * kernel records mount points with symlinks resolved.
 */
import { mkdir, realpath, rmdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { MountError, errnoOf, fsError } from './errors.js';
import type { Mounter } from './mounter.js';
import {
  assertNotSymlink,
  canonicalOrSelf,
  canonicalPath,
  checkPath,
  lstatOrUndefined,
  refuseSymlink,
} from './paths.js';
import { PublishRoots } from './publish-roots.js';
import { volumeStats } from './statfs.js';
import { bindAt, bindsIn, isReadOnly, topMountAt } from './table-query.js';
import type { TargetManager, VolumeStats } from './targets.js';

export interface HostTargetManagerOptions {
  /**
   * Refuse to publish a source that is not itself a mount point (default true): the directory of an
   * unmounted dataset lies on the host's filesystem, and binding it would hand the pod the wrong,
   * unquota'd storage. Tests binding plain directories turn it off.
   */
  readonly requireMountedSource?: boolean;
  /** Targets and volume paths the CO names must lie below one of these (default: anywhere; tests only). */
  readonly publishRoots?: readonly string[];
}

const ro = (readOnly: boolean): string => (readOnly ? 'read-only' : 'read-write');

export class HostTargetManager implements TargetManager {
  private readonly requireMountedSource: boolean;
  private readonly roots: PublishRoots | undefined;
  /** target (as the CO names it) → source, for every target published or seen published and not unpublished since. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly mounter: Mounter,
    options: HostTargetManagerOptions = {},
  ) {
    this.requireMountedSource = options.requireMountedSource ?? true;
    this.roots = options.publishRoots === undefined ? undefined : new PublishRoots(options.publishRoots);
  }

  checkPath(path: string): string {
    const normal = checkPath(path);
    return this.roots === undefined ? normal : this.roots.check(normal);
  }

  async bindsOf(source: string): Promise<readonly string[]> {
    const src = await resolvedOrSelf(checkPath(source));
    return bindsIn(await this.mounter.table(), src);
  }

  /** bindsOf for many sources from one read of the mount table (ListVolumes' published_node_ids). */
  async bindsOfAll(sources: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    const table = await this.mounter.table();
    const entries = await Promise.all(sources.map(async (s) => [s, bindsIn(table, await resolvedOrSelf(checkPath(s)))] as const));
    return new Map(entries);
  }

  async isPublished(source: string, target: string): Promise<boolean> {
    const yes = await this.checkPublished(checkPath(source), checkPath(target));
    // Learnt here too, so targets published before a restart are known once kubelet asks for their stats.
    if (yes) this.known.set(checkPath(target), checkPath(source));
    return yes;
  }

  private async checkPublished(source: string, target: string): Promise<boolean> {
    const quick = await this.publishedByStat(source, target);
    if (quick !== undefined) return quick;
    const src = await resolvedOrSelf(source);
    const dst = await canonicalOrSelf(target);
    return bindAt(await this.mounter.table(), src, dst) !== undefined;
  }

  knownSource(target: string): string | undefined {
    return this.known.get(checkPath(target));
  }

  /**
   * NodeGetVolumeStats asks this on every call (§7 hot path: p99 ≤ 10 ms), and reading /proc/self/mountinfo
   * costs milliseconds on a node with many mounts. A bind of the dataset's root shows the root's device and
   * inode, and a mount point sits on another device than its parent: stat proves the usual "yes" alone.
   * Anything else (a "no", a same-device bind of plain directories) is left to the mount table (undefined).
   */
  private async publishedByStat(source: string, target: string): Promise<boolean | undefined> {
    const [src, dst, parent] = await Promise.all([
      stat(source).catch(() => undefined),
      lstatOrUndefined(target),
      stat(posix.dirname(target)).catch(() => undefined),
    ]);
    if (src === undefined || dst === undefined || parent === undefined || dst.isSymbolicLink()) return undefined;
    const sameRoot = dst.dev === src.dev && dst.ino === src.ino;
    return sameRoot && dst.dev !== parent.dev ? true : undefined;
  }

  async publish(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void> {
    await this.bind(source, target, readOnly, signal);
    this.known.set(checkPath(target), checkPath(source));
  }

  private async bind(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void> {
    const src = await resolvedSource(checkPath(source));
    const dst = await canonicalPath(this.checkPath(target)); // missing parent: NOT_FOUND
    await this.roots?.checkCanonical(target, dst);
    const existing = await assertNotSymlink(dst);
    if (existing !== undefined && !existing.isDirectory()) {
      throw new MountError('INVALID_ARGUMENT', `target ${dst} exists and is not a directory`);
    }
    const table = await this.mounter.table();
    const top = topMountAt(table, dst);
    if (top !== undefined) {
      // CSI NodePublishVolume idempotency: same volume, same access → OK; anything else → ALREADY_EXISTS.
      const mine = bindAt(table, src, dst);
      if (mine === undefined) {
        throw new MountError(
          'ALREADY_EXISTS',
          `target ${dst} holds another mount (${top.fsType} ${top.source})`,
        );
      }
      if (isReadOnly(mine) !== readOnly) {
        throw new MountError('ALREADY_EXISTS', `target ${dst} is already published ${ro(isReadOnly(mine))}`);
      }
      return;
    }
    if (this.requireMountedSource && topMountAt(table, src) === undefined) {
      throw new MountError(
        'FAILED_PRECONDITION',
        `source ${src} is not a mount point (dataset not mounted?)`,
      );
    }
    const created = existing === undefined && (await makeTarget(dst));
    try {
      await this.mounter.bind(src, dst, readOnly, signal);
    } catch (err) {
      if (created) await rmdir(dst).catch(() => undefined); // only the empty dir we just made
      throw err;
    }
    const after = bindAt(await this.mounter.table(), src, dst);
    if (after === undefined || isReadOnly(after) !== readOnly) {
      throw new MountError(
        'INTERNAL',
        `bind of ${src} on ${dst} is not in the mount table as ${ro(readOnly)}`,
      );
    }
  }

  async unpublish(target: string, signal?: AbortSignal): Promise<void> {
    await this.unbind(target, signal);
    this.known.delete(checkPath(target));
  }

  private async unbind(target: string, signal?: AbortSignal): Promise<void> {
    const dst = await canonicalOrSelf(checkPath(target));
    await refuseSymlink(dst); // a symlink: INVALID_ARGUMENT, nothing unmounted
    if (topMountAt(await this.mounter.table(), dst) !== undefined) {
      await this.mounter.unmount(dst, signal);
      // §4 rule 4, checked here too: the directory is removed only when the table shows nothing there.
      const still = topMountAt(await this.mounter.table(), dst);
      if (still !== undefined) {
        throw new MountError('INTERNAL', `target ${dst} is still mounted (${still.source}); not removing it`);
      }
    }
    const existing = await lstatOrUndefined(dst); // now the directory below the former mount
    if (existing === undefined) return; // gone already: CSI says OK
    if (!existing.isDirectory()) {
      throw new MountError('FAILED_PRECONDITION', `target ${dst} is not a directory; not removing it`);
    }
    await removeTarget(dst);
  }

  async stats(target: string): Promise<VolumeStats> {
    const path = checkPath(target);
    // Hot path (§7): one parallel round of syscalls. A target on another device than its parent is a
    // mount point for sure; only a same-device bind (plain directories) needs the mount table.
    const stats = volumeStats(path);
    stats.catch(() => undefined); // awaited last; a check below may throw first
    const [own, parent] = await Promise.all([
      lstatOrUndefined(path),
      stat(posix.dirname(path)).catch(() => undefined),
    ]);
    if (own === undefined || parent === undefined) {
      throw new MountError('NOT_FOUND', `target ${path} does not exist`);
    }
    if (own.isSymbolicLink()) throw new MountError('INVALID_ARGUMENT', `target ${path} is a symlink`);
    // statfs of an unmounted directory would report the host's filesystem: CSI wants NOT_FOUND (§5).
    const sameDevice = own.dev === parent.dev;
    if (sameDevice && topMountAt(await this.mounter.table(), await canonicalPath(path)) === undefined) {
      throw new MountError('NOT_FOUND', `nothing is mounted at ${path}`);
    }
    return stats;
  }
}

/** mkdir (never recursive); true when we made it, false when it appeared meanwhile as a directory. */
async function makeTarget(dst: string): Promise<boolean> {
  try {
    await mkdir(dst, { mode: 0o750 });
    return true;
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') throw fsError('cannot create target', dst, err);
    const now = await assertNotSymlink(dst);
    if (now?.isDirectory() !== true) {
      throw new MountError('INVALID_ARGUMENT', `target ${dst} is not a directory`);
    }
    return false;
  }
}

/** rmdir only: an empty directory goes, anything with content stays (§4 rule 3: never recursive). */
async function removeTarget(dst: string): Promise<void> {
  try {
    await rmdir(dst);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === 'ENOENT') return;
    if (errno === 'ENOTEMPTY' || errno === 'EEXIST') {
      throw new MountError(
        'FAILED_PRECONDITION',
        `target ${dst} is not empty after unmount; not removing it`,
      );
    }
    if (errno === 'EBUSY') throw new MountError('ABORTED', `target ${dst} was mounted again meanwhile`);
    throw fsError('cannot remove target', dst, err);
  }
}

/** The source with every symlink resolved (what mount --bind binds); missing → NOT_FOUND. */
async function resolvedSource(src: string): Promise<string> {
  try {
    return await realpath(src);
  } catch (err) {
    throw fsError('cannot resolve source', src, err);
  }
}

async function resolvedOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return canonicalOrSelf(path);
  }
}

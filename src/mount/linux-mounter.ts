/**
 * Mounter over mount(8)/umount(8) and /proc/self/mountinfo. Every unmount is verified against the mount
 * table (DESIGN.md §4 rule 4): zfs-localpv lost data by assuming an unmount had happened.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { execaRunner, type CommandResult, type CommandRunner } from './command.js';
import { MountError } from './errors.js';
import { parseMountInfo } from './mountinfo.js';
import type { MountEntry, Mounter } from './mounter.js';
import { assertNotSymlink, canonicalOrSelf, checkPath, refuseSymlink } from './paths.js';
import { topMountAt } from './table-query.js';
import { span, spanSync } from '../trace/trace.js';

export interface LinuxMounterOptions {
  /** Absolute path of mount(8); default `/bin/mount`. */
  readonly mountBinary?: string;
  /** Absolute path of umount(8); default `/bin/umount`. */
  readonly umountBinary?: string;
  /** Argv put before the binary, e.g. `['/usr/bin/nsenter', '-t', '1', '-m', '--']` (§4 rule 1). */
  readonly prefix?: readonly string[];
  /**
   * The table to verify against; default `/proc/self/mountinfo`. With a prefix that enters another mount
   * namespace, point this at that namespace's table (e.g. `/proc/1/mountinfo`).
   */
  readonly mountInfoPath?: string;
  /** Per-command timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Waits between retries of an unmount that says "target is busy"; then ABORTED. */
  readonly busyRetryDelaysMs?: readonly number[];
  /** Test seams. */
  readonly run?: CommandRunner;
  readonly readMountInfo?: () => Promise<string>;
}

/** Stacked mounts at one target that a single unmount() call removes before giving up. */
const MAX_LAYERS = 16;
/** Budget for undoing a half-made read-only bind; deliberately not tied to the caller's signal. */
const CLEANUP_TIMEOUT_MS = 10_000;

export class LinuxMounter implements Mounter {
  private readonly mountBinary: string;
  private readonly umountBinary: string;
  private readonly prefix: readonly string[];
  private readonly timeoutMs: number;
  private readonly busyDelays: readonly number[];
  private readonly run: CommandRunner;
  private readonly readMountInfo: () => Promise<string>;

  constructor(options: LinuxMounterOptions = {}) {
    this.mountBinary = options.mountBinary ?? '/bin/mount';
    this.umountBinary = options.umountBinary ?? '/bin/umount';
    this.prefix = options.prefix ?? [];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.busyDelays = options.busyRetryDelaysMs ?? [50, 100, 200, 400, 800];
    this.run = options.run ?? execaRunner;
    const path = options.mountInfoPath ?? '/proc/self/mountinfo';
    this.readMountInfo = options.readMountInfo ?? (() => readFile(path, 'utf8'));
  }

  async table(): Promise<readonly MountEntry[]> {
    let text: string;
    try {
      text = await span('mount table read', () => this.readMountInfo());
    } catch (err) {
      throw new MountError('INTERNAL', `cannot read the mount table: ${String(err)}`, { cause: err });
    }
    return spanSync('mount table parse', () => parseMountInfo(text));
  }

  async bind(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void> {
    const src = checkPath(source);
    const dst = checkPath(target);
    await assertNotSymlink(dst); // mount(8) follows symlinks: never let one redirect the bind
    const bound = await this.exec(this.mountBinary, ['--bind', src, dst], signal);
    if (bound.exitCode !== 0) throw commandError(`mount --bind ${src} ${dst}`, bound);
    if (!readOnly) return;
    // A bind takes the source's flags; read-only needs a second, per-mount remount (mount(8) "bind").
    const ro = await this.exec(this.mountBinary, ['-o', 'remount,bind,ro', dst], signal);
    if (ro.exitCode === 0) return;
    // Never leave a writable bind where a read-only one was asked for (verified unmount, own budget).
    const failed = commandError(`mount -o remount,bind,ro ${dst}`, ro);
    try {
      await this.unmount(dst, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
    } catch (err) {
      throw new MountError(
        'INTERNAL',
        `${failed.message}; the writable bind could not be removed: ${String(err)}`,
      );
    }
    throw failed;
  }

  async unmount(target: string, signal?: AbortSignal): Promise<void> {
    const lexical = checkPath(target);
    await refuseSymlink(lexical); // umount(8) would follow it to somebody else's mount
    const path = await canonicalOrSelf(lexical);
    let busy = 0;
    for (let layers = 0; layers <= MAX_LAYERS; ) {
      if (topMountAt(await this.table(), path) === undefined) return; // verified: nothing left
      const r = await this.exec(this.umountBinary, [path], signal);
      if (r.exitCode === 0) {
        layers += 1; // a stacked mount may remain below: loop re-reads the table
      } else if (r.canceled || r.timedOut) {
        throw commandError(`umount ${path}`, r);
      } else if (/not mounted|no mount point/i.test(r.stderr)) {
        const still = topMountAt(await this.table(), path);
        if (still === undefined) return;
        throw new MountError(
          'INTERNAL',
          `umount ${path} says not mounted but the table shows mount ${still.id}`,
        );
      } else if (/busy/i.test(r.stderr)) {
        const wait = this.busyDelays[busy++];
        if (wait === undefined) throw new MountError('ABORTED', `umount ${path}: target is busy`);
        await sleep(wait, signal);
      } else {
        throw commandError(`umount ${path}`, r);
      }
    }
    throw new MountError('INTERNAL', `umount ${path}: still mounted after ${MAX_LAYERS} unmounts`);
  }

  private exec(
    binary: string,
    args: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<CommandResult> {
    const [file, ...rest] = [...this.prefix, binary, ...args];
    return this.run(file ?? binary, rest, { timeoutMs: this.timeoutMs, signal });
  }
}


async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    throw new MountError('ABORTED', 'cancelled while waiting for a busy unmount', { cause: err });
  }
}

function commandError(what: string, r: CommandResult): MountError {
  if (r.canceled) return new MountError('ABORTED', `${what}: cancelled`);
  if (r.timedOut) return new MountError('DEADLINE_EXCEEDED', `${what}: timed out`);
  const detail = r.stderr.trim() || `exit code ${String(r.exitCode)}`;
  return new MountError('INTERNAL', `${what} failed: ${detail}`);
}

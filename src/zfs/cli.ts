import {
  cloneArgs,
  createArgs,
  destroyArgs,
  getArgs,
  mountArgs,
  poolListArgs,
  setArgs,
  snapshotArgs,
  unmountArgs,
} from './argv.js';
import { isZfsError } from './errors.js';
import { Semaphore } from './limit.js';
import { span } from '../trace/trace.js';
import { ExecaRunner, type CommandObserver, type CommandOutput, type CommandRunner } from './exec.js';
import { assertUnder } from './names.js';
import { parseGetOutput, parsePoolHealth } from './parse.js';
import { checkedProps } from './props.js';
import { probeCapabilities } from './probe.js';
import { retryBusy } from './retry.js';
import type { DatasetInfo, GetOptions, Zfs, ZfsCapabilities, ZfsProps } from './zfs.js';

/** parentMarkOf's shape: `zfs.csi.dev:parent-` and 16 hex digits of the parent's sha256. */
const POOL_MARK = /^zfs\.csi\.dev:parent-[0-9a-f]{16}$/;

export interface ZfsCliOptions {
  readonly zfsPath?: string;
  readonly zpoolPath?: string;
  /** Put before the binary, e.g. `['chroot', '/host']` or `['nsenter', '-t', '1', '-m', '--']`. */
  readonly prefix?: readonly string[];
  readonly timeoutMs?: number;
  readonly concurrency?: number;
  /** How long a mutating call retries "dataset is busy"; keep it below the CSI call's deadline. */
  readonly busyBudgetMs?: number;
  readonly onCommand?: CommandObserver;
  /**
   * When given, every name a mutating call touches must be strictly below one of these datasets
   * (DESIGN.md §4 rule 2: "under the configured parent"). Reads (`get`, `poolHealth`) are not limited.
   */
  readonly parents?: readonly string[];
  /** Replaces the execa runner (then prefix, timeoutMs, concurrency and onCommand are its business). */
  readonly runner?: CommandRunner;
  /**
   * zfs-fuse only: the host-wide lock file that serialises commands which mount a filesystem
   * (default /run/zfs-csi-zfs-fuse.lock), and the flock(1) binary that takes it (default /usr/bin/flock).
   */
  readonly mountLock?: { readonly path: string; readonly flockPath: string };
  /**
   * zfs-fuse only: 'host' (default) serialises mounting commands across every process on the host with
   * flock(1); 'process' only inside this process (no flock process per command), for hosts where this
   * driver is the only thing that mounts zfs-fuse filesystems.
   */
  readonly mountLockScope?: MountLockScope;
}

export type MountLockScope = 'host' | 'process';

/**
 * zfs-fuse announces each new mount to its FUSE listener with two unlocked writes to a pipe; two mounts at
 * the same moment interleave them and wedge every mount of the daemon (seen here with 100 concurrent
 * `zfs create`). Commands that mount are therefore run one at a time on zfs-fuse: in-process by a semaphore,
 * across processes by flock(1). OpenZFS needs none of this.
 */
const MOUNTING_PROPS = new Set(['mountpoint', 'canmount']);
const DEFAULT_MOUNT_LOCK = { path: '/run/zfs-csi-zfs-fuse.lock', flockPath: '/usr/bin/flock' };

/** `zfs mount`/`zfs unmount` that found the work already done: the same outcome, so not an error. */
const ALREADY_MOUNTED = /already mounted/;
const NOT_MOUNTED = /not currently mounted/;

/** The `Zfs` seam over the `zfs`/`zpool` command line (OpenZFS ≥ 2.1 and zfs-fuse 0.7). */
export class ZfsCli implements Zfs {
  readonly #zfsPath: string;
  readonly #zpoolPath: string;
  readonly #busyBudgetMs: number;
  readonly #parents: readonly string[] | undefined;
  readonly #runner: CommandRunner;
  readonly #mountLock: { readonly path: string; readonly flockPath: string };
  readonly #mountGate = new Semaphore(1);
  readonly #mountLockScope: MountLockScope;
  #capabilities: Promise<ZfsCapabilities> | undefined;

  constructor(options: ZfsCliOptions = {}) {
    this.#zfsPath = options.zfsPath ?? '/sbin/zfs';
    this.#zpoolPath = options.zpoolPath ?? '/sbin/zpool';
    this.#busyBudgetMs = options.busyBudgetMs ?? 10_000;
    this.#parents = options.parents;
    this.#mountLock = options.mountLock ?? DEFAULT_MOUNT_LOCK;
    this.#mountLockScope = options.mountLockScope ?? 'host';
    this.#runner =
      options.runner ??
      new ExecaRunner({
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.onCommand === undefined ? {} : { onCommand: options.onCommand }),
      });
  }

  /**
   * With the 'process' scope: the gate every mounting command of this process holds, for the other code
   * of this process that mounts (a full `zfs receive`, src/zfs/stream.ts). Undefined with 'host', where
   * flock(1) on the lock file is what they share.
   */
  get processMountGate(): Semaphore | undefined {
    return this.#mountLockScope === 'process' ? this.#mountGate : undefined;
  }

  /** Probed once and cached; a failed probe is not cached, so the next call tries again. */
  capabilities(signal?: AbortSignal): Promise<ZfsCapabilities> {
    if (this.#capabilities === undefined) {
      const paths = { zfsPath: this.#zfsPath, zpoolPath: this.#zpoolPath };
      const probe = probeCapabilities(this.#runner, paths, signal);
      this.#capabilities = probe;
      probe.catch(() => {
        if (this.#capabilities === probe) this.#capabilities = undefined;
      });
    }
    return this.#capabilities;
  }

  async create(dataset: string, props: ZfsProps, signal?: AbortSignal): Promise<void> {
    await this.#mounting(createArgs(this.#owned(dataset), props), signal);
  }

  async clone(snapshot: string, dataset: string, props: ZfsProps, signal?: AbortSignal): Promise<void> {
    await this.#mounting(cloneArgs(this.#owned(snapshot), this.#owned(dataset), props), signal);
  }

  async snapshot(snapshot: string, props: ZfsProps, signal?: AbortSignal): Promise<void> {
    await this.#mutate(snapshotArgs(this.#owned(snapshot), props), signal);
  }

  async destroy(name: string, options: { readonly defer?: boolean }, signal?: AbortSignal): Promise<void> {
    await this.#mutate(destroyArgs(this.#owned(name), options), signal);
  }

  async set(name: string, props: ZfsProps, signal?: AbortSignal): Promise<void> {
    if (!this.#isPoolMark(name, props)) this.#owned(name);
    // One property needs no probe: both implementations take it in one call.
    const multiSet = Object.keys(props).length <= 1 || (await this.capabilities(signal)).multiSet;
    const mounts = Object.keys(props).some((p) => MOUNTING_PROPS.has(p));
    if (multiSet) {
      const args = setArgs(name, props);
      await (mounts ? this.#mounting(args, signal) : this.#mutate(args, signal));
      return;
    }
    // zfs-fuse: one process per property, ~20 ms each, mostly waiting on the daemon. Native properties go
    // one after another in the stable order below, as before (ZFS checks some against each other, e.g. a
    // reservation against the quota), so that concurrency cannot change which one fails;
    // user properties (`module:name`), which ZFS never checks against each other, then run at once
    // (bounded by the runner's process limit): 8 sets took 47 ms instead of 120 ms here.
    // checkedProps: every name and value checked before the first process starts, in a stable order.
    const checked = checkedProps(props);
    const run = ([key, value]: readonly [string, string]): Promise<void> => {
      const args = setArgs(name, { [key]: value });
      // Each run listens on its own signal: a dozen runs on the caller's would trip Node's listener-leak warning.
      const own = signal && AbortSignal.any([signal]);
      return MOUNTING_PROPS.has(key) ? this.#mounting(args, own) : this.#mutate(args, own);
    };
    for (const entry of checked.filter(([key]) => !key.includes(':'))) await run(entry);
    await settleAll(checked.filter(([key]) => key.includes(':')).map(run));
  }

  async mount(dataset: string, signal?: AbortSignal): Promise<void> {
    await this.#mounting(mountArgs(this.#owned(dataset)), signal, ALREADY_MOUNTED);
  }

  async unmount(dataset: string, signal?: AbortSignal): Promise<void> {
    await this.#mutate(unmountArgs(this.#owned(dataset)), signal, NOT_MOUNTED);
  }

  async get(
    names: readonly string[],
    props: readonly string[],
    options: GetOptions = {},
    signal?: AbortSignal,
  ): Promise<DatasetInfo[]> {
    // No names would mean "every dataset on the host": never what a caller meant.
    if (names.length === 0) return [];
    const { stdout } = await this.#runner.run(this.#zfsPath, getArgs(names, props, options), signal);
    return parseGetOutput(stdout);
  }

  async poolHealth(pool: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const { stdout } = await this.#runner.run(this.#zpoolPath, poolListArgs(pool), signal);
      return parsePoolHealth(stdout, pool);
    } catch (err) {
      // Only "no such pool" means "not imported"; a daemon that does not answer stays an error.
      if (isZfsError(err, 'pool_unavailable') && /no such pool/.test(err.stderr)) return undefined;
      throw err;
    }
  }

  /**
   * The one write outside the parents: the mark on a parent's pool root that the parent held data
   * (src/provision/parent-presence.ts parentMarkOf), so a vanished parent is never re-created as empty.
   */
  #isPoolMark(name: string, props: ZfsProps): boolean {
    const keys = Object.keys(props);
    return this.#parents !== undefined && keys.length > 0 && keys.every((k) => POOL_MARK.test(k)) &&
      this.#parents.some((p) => p.split('/')[0] === name);
  }

  #owned(name: string): string {
    return this.#parents === undefined ? name : assertUnder(name, this.#parents);
  }

  /** A mutating command that may mount a filesystem: serialised on zfs-fuse (see DEFAULT_MOUNT_LOCK). */
  async #mounting(args: readonly string[], signal: AbortSignal | undefined, alreadyDone?: RegExp): Promise<void> {
    if ((await this.capabilities(signal)).implementation !== 'zfs-fuse') {
      await this.#mutate(args, signal, alreadyDone);
      return;
    }
    const { path, flockPath } = this.#mountLock;
    const via = this.#mountLockScope === 'host' ? [flockPath, path, this.#zfsPath] : [this.#zfsPath];
    const release = await span('mount gate wait (zfs-fuse, in-process)', () => this.#mountGate.acquire(signal));
    try {
      await this.#mutate(args, signal, alreadyDone, via);
    } finally {
      release();
    }
  }

  async #mutate(
    args: readonly string[],
    signal: AbortSignal | undefined,
    alreadyDone?: RegExp,
    via: readonly string[] = [this.#zfsPath],
  ): Promise<void> {
    const [binary = this.#zfsPath, ...lead] = via;
    const run = async (): Promise<CommandOutput | undefined> => {
      try {
        return await this.#runner.run(binary, [...lead, ...args], signal);
      } catch (err) {
        if (alreadyDone !== undefined && isZfsError(err) && alreadyDone.test(err.stderr)) return undefined;
        throw err;
      }
    };
    await retryBusy(run, { budgetMs: this.#busyBudgetMs, signal });
  }
}

/** Waits for every run, then throws the first failure: no command is still running when set() returns. */
async function settleAll(runs: ReadonlyArray<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(runs)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

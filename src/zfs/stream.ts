import type { Readable, Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { receiveArgs, sendArgs } from './argv.js';
import { classifyStderr, summarizeStderr } from './classify.js';
import { ZfsError } from './errors.js';
import type { Semaphore } from './limit.js';
import { assertUnder } from './names.js';
import type { ZfsCapabilities } from './zfs.js';

/** A running `zfs send` or `zfs receive`: its data end, and its outcome once it exits. */
export interface StreamProcess<S> {
  readonly stream: S;
  /** Resolves on exit 0; rejects with a classified ZfsError (kind 'cancelled' after abort). */
  readonly done: Promise<void>;
}

export interface ZfsStreamsOptions {
  readonly zfsPath: string;
  readonly prefix?: readonly string[];
  /** Both ends of a transfer stay inside the configured parents (DESIGN.md §4 rule 2). */
  readonly parents: readonly string[];
  readonly capabilities: (signal?: AbortSignal) => Promise<ZfsCapabilities>;
  /** zfs-fuse's mount lock (see ZfsCli): a full receive creates, and may mount, a filesystem. */
  readonly mountLock?: { readonly path: string; readonly flockPath: string };
  /**
   * ZfsCli.processMountGate when the mount lock is scoped to this process: a full receive then holds that
   * gate instead of running under flock(1), so it never mounts beside this process's creates.
   */
  readonly mountGate?: Semaphore | undefined;
}

const DEFAULT_MOUNT_LOCK = { path: '/run/zfs-csi-zfs-fuse.lock', flockPath: '/usr/bin/flock' };

/**
 * `zfs send` and `zfs receive` as streams (issue #8): argv only, no shell, `LC_ALL=C`, the caller's
 * AbortSignal. No run-time timeout here: a stream may rightly take hours; the transfer layer aborts stalls.
 */
export class ZfsStreams {
  constructor(private readonly options: ZfsStreamsOptions) {}

  send(snapshot: string, base: string | undefined, signal: AbortSignal): StreamProcess<Readable> {
    assertUnder(snapshot, this.options.parents, 'snapshot');
    if (base !== undefined) assertUnder(base, this.options.parents, 'snapshot');
    const child = this.spawn([this.options.zfsPath], sendArgs(snapshot, base), 'send', signal);
    return { stream: child.stdout, done: outcome(child) };
  }

  async receive(dataset: string, full: boolean, signal: AbortSignal): Promise<StreamProcess<Writable>> {
    assertUnder(dataset, this.options.parents, 'dataset');
    const caps = await this.options.capabilities(signal);
    const lock = this.options.mountLock ?? DEFAULT_MOUNT_LOCK;
    // zfs-fuse mounts a received new filesystem whose mountpoint is inherited; mounts there are serialised.
    const guarded = caps.implementation === 'zfs-fuse' && full;
    const gate = guarded ? this.options.mountGate : undefined;
    const via = guarded && gate === undefined ? [lock.flockPath, lock.path, this.options.zfsPath] : [this.options.zfsPath];
    const args = receiveArgs(dataset, { noMount: caps.implementation === 'openzfs' });
    const release = await gate?.acquire(signal);
    let child: Child;
    try {
      child = this.spawn(via, args, 'receive', signal);
    } catch (err) {
      release?.();
      throw err;
    }
    const done = outcome(child);
    if (release !== undefined) void done.then(release, release);
    return { stream: child.stdin, done };
  }

  /** `zfs send -nvP` (OpenZFS): the stream's size; undefined where there is no dry run (zfs-fuse). */
  async estimate(snapshot: string, base: string | undefined, signal: AbortSignal): Promise<bigint | undefined> {
    if ((await this.options.capabilities(signal)).implementation !== 'openzfs') return undefined;
    const [file = '', ...lead] = [...(this.options.prefix ?? []), this.options.zfsPath];
    const args = sendArgs(snapshot, base);
    const result = await execa(file, [...lead, args[0] ?? 'send', '-nvP', ...args.slice(1)], {
      reject: false, cleanup: false, env: { LC_ALL: 'C' }, stdin: 'ignore', timeout: 60_000, cancelSignal: signal,
    });
    const size = /^size\t(\d+)$/m.exec(`${result.stdout}\n${result.stderr}`)?.[1];
    return result.failed || size === undefined ? undefined : BigInt(size);
  }

  private spawn(via: readonly string[], args: readonly string[], mode: 'send' | 'receive', signal: AbortSignal): Child {
    const [file = '', ...lead] = [...(this.options.prefix ?? []), ...via];
    return execa(file, [...lead, ...args], {
      reject: false,
      cleanup: false,
      env: { LC_ALL: 'C' },
      stdin: mode === 'receive' ? 'pipe' : 'ignore',
      stdout: mode === 'send' ? 'pipe' : 'ignore',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
      cancelSignal: signal,
    }) as Child;
  }
}

type Child = ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: { stdout: false; stderr: true } }>;

async function outcome(child: Child): Promise<void> {
  const result = await child;
  const argv = result.command;
  if (result.isCanceled) throw new ZfsError('cancelled', `${argv}: cancelled`, { stderr: result.stderr });
  if (!result.failed) return;
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const text = summarizeStderr(stderr) || result.shortMessage;
  throw new ZfsError(classifyStderr(stderr), `${argv}: ${text}`, { stderr });
}

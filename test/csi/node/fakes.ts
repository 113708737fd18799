/** Hand-written fakes of the Node service's seams, recording every call so tests can assert "untouched". */
import { posix } from 'node:path';
import winston from 'winston';
import { DriverError } from '../../../src/domain/errors.js';
import type { CallContext } from '../../../src/grpc/handler.js';
import type { TargetManager, VolumeStats } from '../../../src/mount/targets.js';
import type { NodeVolume, NodeVolumeLookup } from '../../../src/csi/node/lookup.js';

export class FakeLookup implements NodeVolumeLookup {
  readonly calls: string[] = [];
  constructor(readonly volumes: Map<string, NodeVolume> = new Map()) {}
  async lookup(volumeId: string): Promise<NodeVolume | undefined> {
    this.calls.push(volumeId);
    return this.volumes.get(volumeId);
  }
}

interface Bind {
  readonly source: string;
  readonly readOnly: boolean;
}

/** An in-memory mount table of bind mounts, with TargetManager's documented semantics. */
export class FakeTargets implements TargetManager {
  readonly binds = new Map<string, Bind>();
  /** target → source published through this fake (or seen by isPublished), as HostTargetManager keeps it. */
  readonly known = new Map<string, string>();
  /** Paths whose statfs fails (an unmounted dataset mountpoint, say). */
  readonly statsFail = new Set<string>();
  readonly calls: string[] = [];
  statsResult: VolumeStats = {
    totalBytes: 0n,
    availableBytes: 0n,
    usedBytes: 0n,
    totalInodes: 0n,
    freeInodes: 0n,
    usedInodes: 0n,
  };

  checkPath(path: string): string {
    this.calls.push(`checkPath ${path}`);
    if (!path.startsWith('/') || path.includes('\0') || path.split('/').includes('..')) {
      throw new DriverError('INVALID_ARGUMENT', `bad path ${path}`);
    }
    const normal = posix.normalize(path);
    return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  }
  async bindsOf(source: string): Promise<readonly string[]> {
    this.calls.push(`bindsOf ${source}`);
    return [...this.binds].filter(([, b]) => b.source === source).map(([t]) => t);
  }
  async isPublished(source: string, target: string): Promise<boolean> {
    this.calls.push(`isPublished ${source} ${target}`);
    const yes = this.binds.get(target)?.source === source;
    if (yes) this.known.set(target, source);
    return yes;
  }
  knownSource(target: string): string | undefined {
    return this.known.get(target);
  }
  async publish(source: string, target: string, readOnly: boolean): Promise<void> {
    this.calls.push(`publish ${source} ${target} ${readOnly ? 'ro' : 'rw'}`);
    const existing = this.binds.get(target);
    if (existing && (existing.source !== source || existing.readOnly !== readOnly)) {
      throw new DriverError('ALREADY_EXISTS', `${target} is mounted differently`);
    }
    this.binds.set(target, { source, readOnly });
    this.known.set(target, source);
  }
  async unpublish(target: string): Promise<void> {
    this.calls.push(`unpublish ${target}`);
    this.binds.delete(target);
    this.known.delete(target);
  }
  async stats(target: string): Promise<VolumeStats> {
    this.calls.push(`stats ${target}`);
    if (this.statsFail.has(target)) throw new DriverError('NOT_FOUND', `nothing is mounted at ${target}`);
    return this.statsResult;
  }
}

export function fakeContext(): CallContext {
  return {
    signal: new AbortController().signal,
    log: winston.createLogger({ silent: true }),
    requestId: 'test',
    deadline: undefined,
  };
}

/** Resolves to the DriverError code a promise rejects with (fails the test when it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DriverError) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}

export const MOUNT_ROOT = '/var/lib/zfs-csi/mounts';
export const VOL: NodeVolume = {
  dataset: 'tank/csi/vol-1',
  mountpoint: `${MOUNT_ROOT}/vol-1`,
  capacityBytes: 1n << 30n,
};

/** A node with one known volume, `vol-1`. */
export function fakeNode(): { lookup: FakeLookup; targets: FakeTargets } {
  return { lookup: new FakeLookup(new Map([['vol-1', VOL]])), targets: new FakeTargets() };
}

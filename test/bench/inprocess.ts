import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/app/logger.js';
import { newVolumeId } from '../../src/csi/ids.js';
import { parseParams } from '../../src/csi/params.js';
import type { VolumeRecord, VolumeSpec } from '../../src/domain/types.js';
import { execaRunner, type CommandRunner } from '../../src/mount/command.js';
import { LinuxMounter } from '../../src/mount/linux-mounter.js';
import { HostTargetManager } from '../../src/mount/target-manager.js';
import { volumeProps } from '../../src/provision/build.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ZfsCli } from '../../src/zfs/cli.js';

/** Processes the in-process driver pieces started, by kind: the benchmark's "no zfs on this path" evidence. */
export class ProcessCounter {
  zfs = 0;
  mount = 0;
  /**
   * Of `zfs`, the capacity cache's reads (src/provision/capacity.ts: `zfs get -d 1 type,available,…`). Its
   * 2 s TTL, refreshed past half of it, makes their number depend on elapsed time, not on how many volumes.
   */
  capacityReads = 0;

  reset(): void {
    this.zfs = 0;
    this.mount = 0;
    this.capacityReads = 0;
  }
}

const isCapacityRead = (argv: readonly string[]): boolean =>
  argv.includes('get') && argv.includes('-d') && argv.some((a) => a.split(',').includes('available'));

/** The driver's own pieces, composed as src/app/standalone.ts does, with every process they start counted. */
export interface InProcess {
  readonly counter: ProcessCounter;
  readonly zfs: ZfsCli;
  readonly targets: HostTargetManager;
  readonly provisioner: Provisioner;
  readonly store: MemoryStore;
  readonly log: Logger;
}

export function inProcess(parent: string, mountRoot: string, concurrency?: number): InProcess {
  const counter = new ProcessCounter();
  const zfs = new ZfsCli({
    parents: [parent],
    onCommand: (e) => {
      counter.zfs++;
      if (isCapacityRead(e.argv)) counter.capacityReads++;
    },
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  const run: CommandRunner = (file, args, options) => {
    counter.mount++;
    return execaRunner(file, args, options);
  };
  const targets = new HostTargetManager(new LinuxMounter({ run }));
  const provisioner = new Provisioner({ zfs, bindsOf: (mp) => targets.bindsOf(mp), mountRoot });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  return { counter, zfs, targets, provisioner, store: new MemoryStore(), log: createLogger('error', { stream: sink }) };
}

/** The spec CreateVolume would build for `name` (fresh ID, default StorageClass parameters). */
export function volumeSpec(parent: string, name: string, bytes: bigint): VolumeSpec {
  return { id: newVolumeId(), name, node: 'bench-node', parent, capacityBytes: bytes, params: parseParams({}) };
}

/** A volume made exactly as CreateVolume makes one, by the driver's Provisioner (created and mounted). */
export function createManagedVolume(p: InProcess, parent: string, name: string, bytes: bigint, signal: AbortSignal): Promise<VolumeRecord> {
  return p.provisioner.createVolume(volumeSpec(parent, name, bytes), undefined, signal);
}

/**
 * A volume record on the pool exactly as the Provisioner writes it (same `zfs create` properties), but with
 * canmount=noauto: zfs-fuse serves at most 1,000 mounted filesystems with 40 FUSE threads, so the
 * 1,000-volume scan fixture must not mount. The scan reads the same records either way.
 */
export async function createUnmountedRecord(p: InProcess, parent: string, name: string, bytes: bigint, signal: AbortSignal): Promise<void> {
  const spec = volumeSpec(parent, name, bytes);
  const props = { ...volumeProps(spec, p.provisioner.mountpointOf(spec.id)), canmount: 'noauto' };
  await p.zfs.create(`${parent}/${spec.id}`, props, signal);
}

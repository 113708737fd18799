/**
 * Import of an existing dataset as a managed volume (issue #10 part 2, docs/import.md): the facts are read,
 * checked by import-check.ts, then the marks are written in an order that keeps every crash safe. No data
 * moves: the dataset keeps its name and blocks; only properties change (and so where ZFS mounts it).
 */
import type { VolumeRecord } from '../domain/types.js';
import type { MountEntry } from '../mount/mounter.js';
import { isZfsError } from '../zfs/errors.js';
import type { DatasetInfo, Zfs } from '../zfs/zfs.js';
import { decodeVolume } from './decode.js';
import { ProvisionError } from './errors.js';
import { IMPORT_NATIVE_PROPS, importParent, planImport, type ImportRequest, type ImportSteps } from './import-check.js';
import { checkParent } from './parent-presence.js';
import { P, SCAN_PROPS } from './props.js';

export interface ImporterDeps {
  readonly zfs: Zfs;
  readonly mountTable: () => Promise<readonly MountEntry[]>;
  readonly mountRoot: string;
  readonly node: string;
  readonly parents: readonly string[];
  readonly newId: () => string;
  /** The live volume the driver knows under a CO name, and any volume (retired too) by ID. */
  readonly byName: (name: string) => VolumeRecord | undefined;
  readonly byId: (id: string) => VolumeRecord | undefined;
  readonly clock?: () => Date;
}

const READ_PROPS: readonly string[] = [...IMPORT_NATIVE_PROPS, ...Object.values(P)];

export class Importer {
  constructor(private readonly deps: ImporterDeps) {}

  /** The managed volume the dataset now is; a retry after any failure or crash finishes the same import. */
  async importDataset(request: ImportRequest, signal: AbortSignal): Promise<VolumeRecord> {
    const { zfs, parents } = this.deps;
    const dataset = request.dataset;
    const parent = importParent(dataset, parents);
    const presence = await checkParent(zfs, parent, signal);
    if (presence.state !== 'present') throw new ProvisionError('UNAVAILABLE', `${presence.message}; nothing was changed`);
    const infos = await this.read(dataset, signal);
    const info = infos.find((i) => i.name === dataset);
    if (info === undefined) throw new ProvisionError('NOT_FOUND', `dataset ${dataset} does not exist`);
    const recorded = info.props.get(P.volumeId);
    const plan = planImport({
      request, parent, node: this.deps.node, info,
      children: infos.filter((i) => i.name !== dataset && i.props.get('type') !== 'snapshot').map((i) => i.name),
      mounts: await this.deps.mountTable(),
      mountRoot: this.deps.mountRoot,
      nameOwner: this.deps.byName(request.name ?? dataset)?.dataset,
      idOwner: recorded === undefined ? undefined : this.deps.byId(recorded)?.dataset,
      freshId: request.id ?? this.deps.newId(),
      now: (this.deps.clock ?? (() => new Date()))(),
    });
    if (plan.kind === 'apply') await this.apply(dataset, plan, signal);
    return this.readBack(dataset, signal);
  }

  private async read(dataset: string, signal: AbortSignal): Promise<DatasetInfo[]> {
    try {
      return await this.deps.zfs.get([dataset], READ_PROPS, { recursive: true }, signal);
    } catch (err) {
      if (isZfsError(err, 'not_found')) throw new ProvisionError('NOT_FOUND', `dataset ${dataset} does not exist`, { cause: err });
      throw err;
    }
  }

  /**
   * Size first: ZFS has the last word on whether the data fits (zfs-fuse reports `referenced` late, so the
   * check can pass on a stale figure) and a refused refquota must leave nothing behind. Then the record
   * (inert: nothing reads a record without the managed mark), the mount place, and the managed mark alone
   * and last: a crash anywhere leaves an unmanaged dataset that a retry finishes.
   */
  private async apply(dataset: string, steps: ImportSteps, signal: AbortSignal): Promise<void> {
    const { zfs } = this.deps;
    if (steps.quota) await zfs.set(dataset, steps.quota, signal);
    await zfs.set(dataset, steps.marks, signal);
    if (steps.mountpointChange) await zfs.set(dataset, steps.mountpointChange, signal);
    if (steps.canmountChange) await zfs.set(dataset, steps.canmountChange, signal);
    const [state] = await zfs.get([dataset], ['mounted'], {}, signal);
    if (state?.props.get('mounted') !== 'yes') await zfs.mount(dataset, signal);
    await zfs.set(dataset, steps.managed, signal);
  }

  private async readBack(dataset: string, signal: AbortSignal): Promise<VolumeRecord> {
    const [info] = await this.deps.zfs.get([dataset], SCAN_PROPS, {}, signal);
    const record = info && decodeVolume(info);
    if (!record) throw new ProvisionError('INTERNAL', `${dataset} was imported but its record does not read back; see zfs get all ${dataset}`);
    return record;
  }
}

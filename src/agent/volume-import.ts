/**
 * The agent's half of an import in Kubernetes mode (issue #10, docs/import.md): a ZfsVolume an operator wrote
 * with spec.importDataset becomes that dataset, through the same importer as `ctl import` (every check before
 * the first write, the managed mark last), with the resource's name as the volume ID. The agent only carries
 * out what the resource says, on its own node: it never writes an import itself (DESIGN.md §4 rule 9).
 */
import { isVolumeId } from '../csi/ids.js';
import type { VolumeRecord } from '../domain/types.js';
import type { MountEntry } from '../mount/mounter.js';
import { Importer } from '../provision/importer.js';
import type { ZfsVolume } from '../store/kube/resources.js';
import type { AgentContext } from './context.js';
import { volumeRecordOf } from './records.js';
import { AgentError } from './zfs-state.js';

export class VolumeImports {
  /** Datasets being imported now: two resources naming one dataset must not interleave their writes. */
  private readonly running = new Set<string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly mountTable: () => Promise<readonly MountEntry[]>,
  ) {}

  /** The managed volume spec.importDataset now is; a retry after a crash or failure finishes the same import. */
  async run(v: ZfsVolume, signal: AbortSignal): Promise<VolumeRecord> {
    const dataset = v.spec.importDataset;
    if (dataset === undefined) throw new AgentError('INTERNAL', `ZfsVolume ${v.metadata.name} has no spec.importDataset`);
    if (!isVolumeId(v.metadata.name)) {
      throw new AgentError('INVALID_ARGUMENT', `${v.metadata.name} is not a volume ID of this driver (vol- and 20 base32 characters, docs/import.md); nothing was changed`);
    }
    if (v.spec.contentSource) throw new AgentError('INVALID_ARGUMENT', 'an imported volume cannot have a contentSource; nothing was changed');
    if (this.running.has(dataset)) throw new AgentError('ABORTED', `an import of ${dataset} is in progress; retried`);
    this.running.add(dataset);
    try {
      const record = await this.importer(v).importDataset(this.requestOf(v, dataset), signal);
      // The importer keeps an ID an earlier attempt recorded; the request's ID makes it refuse any other.
      if (record.id !== v.metadata.name) throw new AgentError('INTERNAL', `${dataset} was imported as ${record.id}, not ${v.metadata.name}`);
      return record;
    } finally {
      this.running.delete(dataset);
    }
  }

  private requestOf(v: ZfsVolume, dataset: string): { dataset: string; name: string; id: string; sizeBytes?: bigint } {
    // requestedBytes "0": keep the dataset's refquota (docs/import.md); any other figure must equal it.
    const requested = BigInt(v.spec.requestedBytes);
    return { dataset, name: v.spec.csiName, id: v.metadata.name, ...(requested > 0n ? { sizeBytes: requested } : {}) };
  }

  private importer(v: ZfsVolume): Importer {
    const { ctx } = this;
    const mountpointOf = (id: string): string => ctx.provisioner.mountpointOf(id);
    const live = (o: ZfsVolume): boolean => !o.metadata.deletionTimestamp && !o.spec.deletionRequested && o.status?.deletion === undefined;
    return new Importer({
      zfs: ctx.zfs, mountTable: this.mountTable, mountRoot: ctx.provisioner.mountRoot, node: ctx.node,
      // Only the resource's own parent: a dataset elsewhere (another parent, deeper) is INVALID_ARGUMENT.
      parents: [v.spec.parentDataset],
      newId: () => v.metadata.name,
      // This node's resources: the CO name check and "whose ID is this" (the cache watches this node only).
      byName: (name) => {
        const owner = ctx.volumes.list().find((o) => o.spec.csiName === name && live(o));
        return owner && volumeRecordOf(owner, mountpointOf);
      },
      byId: (id) => {
        const owner = ctx.volumes.get(id);
        return owner && volumeRecordOf(owner, mountpointOf);
      },
    });
  }
}

/**
 * CR recovery (issue #10, docs/kubernetes-mode.md "Recovering resources after a cluster rebuild"): opt-in
 * (`--recover-resources`), at agent start-up only, before the reconcile queue runs. Each resource is created
 * whole (the agent's finalizer on it, as the agent would have added before making the dataset) and its
 * status written Ready from the scan, so no reconcile ever sees it half-made and adoption finds it settled.
 * Nothing here runs zfs: the data is never touched, only described. The resource names are the IDs, so a
 * second agent start, or a resource written meanwhile, meets AlreadyExists and never makes a second record.
 */
import { KubeError } from '../store/kube/api.js';
import { snapshotBody, volumeBody, type ResourceBody } from '../store/kube/records.js';
import { FINALIZER, type ZfsSnapshot, type ZfsVolume } from '../store/kube/resources.js';
import type { PoolView } from '../provision/decode.js';
import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { AgentContext } from './context.js';
import { involvedOf } from './events.js';
import { planRecovery, type Skipped } from './recovery-plan.js';
import { AgentError } from './zfs-state.js';

/** On every resource recovery creates: when, so a person can tell it from one the controller wrote. */
export const RECOVERED_ANNOTATION = 'zfs.csi.dev/recovered-from-pool';

export interface RecoveryReport {
  /** Names of the ZfsVolumes and ZfsSnapshots created. */
  readonly volumes: readonly string[];
  readonly snapshots: readonly string[];
  /** IDs some other resource already holds (another node's, or one written meanwhile): left alone. */
  readonly conflicts: readonly string[];
  readonly retired: readonly string[];
  readonly skipped: readonly Skipped[];
}

type Outcome = 'created' | 'conflict' | 'refused';

export async function recoverResources(ctx: AgentContext, views: readonly PoolView[]): Promise<RecoveryReport> {
  const known = {
    volumes: new Set(ctx.volumes.list().map((v) => v.spec.volumeId)),
    snapshots: new Set(ctx.snapshots.list().map((s) => s.spec.snapshotId)),
  };
  const plan = planRecovery(ctx.node, views, known, new Set(ctx.copies().values()));
  const now = new Date().toISOString();
  const report = { volumes: [] as string[], snapshots: [] as string[], conflicts: [] as string[], retired: plan.retired, skipped: plan.skipped };
  // Volumes first: a snapshot's reconciler (once the queue runs) looks up its source volume.
  const work = [
    ...plan.volumes.map((r) => ({ id: r.id, made: report.volumes, run: () => recoverVolume(ctx, r, now) })),
    ...plan.snapshots.map((s) => ({ id: s.id, made: report.snapshots, run: () => recoverSnapshot(ctx, s, now) })),
  ];
  for (const w of work) {
    const outcome = await w.run();
    if (outcome === 'refused') break;
    (outcome === 'created' ? w.made : report.conflicts).push(w.id);
  }
  // After the loop, refused or not: the operator needs these names whatever the API server allowed.
  for (const r of plan.imports) await importNotRecovered(ctx, r);
  ctx.log.info('resource recovery from the pool', {
    volumes: report.volumes.length, snapshots: report.snapshots.length, conflicts: report.conflicts,
    retired: report.retired, skipped: report.skipped,
  });
  return report;
}

const recovered = (body: ResourceBody, now: string): ResourceBody => ({
  ...body,
  metadata: { ...body.metadata, finalizers: [FINALIZER], annotations: { ...body.metadata.annotations, [RECOVERED_ANNOTATION]: now } },
});

/**
 * Creates the resource. AlreadyExists is a conflict (a Warning Event). Forbidden (RBAC without the chart's
 * create rule, or the node-authority policy) stops recovery for this start, with one Event: start-up goes on.
 * Anything else fails the start-up, which is retried.
 */
async function create<T>(
  ctx: AgentContext, kind: 'ZfsVolume' | 'ZfsSnapshot', id: string, where: string, make: () => Promise<T | undefined>,
): Promise<T | 'conflict' | 'refused'> {
  let made: T | undefined;
  try {
    made = await make();
  } catch (err) {
    if (!(err instanceof KubeError)) throw err;
    if (err.httpStatus === 403) {
      await ctx.events.warning(involvedOf('ZfsNode', { name: ctx.node }), 'RecoveryRefused',
        `the API server refused to create ${kind} ${id} (${err.message}); resource recovery stopped, what is left stays drift. `
        + 'It needs the chart\'s node.recoverResources with rbac.nodeAuthority');
      return 'refused';
    }
    if (err.code !== 'ALREADY_EXISTS') throw err;
    await ctx.events.warning({ kind, name: id }, 'RecoveryConflict',
      `${where} carries ID ${id}, but a ${kind} of that name already exists: not re-created, the data is left alone`);
    return 'conflict';
  }
  if (made === undefined) throw new AgentError('INTERNAL', `the API server's answer to creating ${kind} ${id} does not decode`);
  return made;
}

async function recoverVolume(ctx: AgentContext, r: VolumeRecord, now: string): Promise<Outcome> {
  const made = await create<ZfsVolume>(ctx, 'ZfsVolume', r.id, `dataset ${r.dataset}`,
    () => ctx.volumeWriter.create(recovered(volumeBody(r), now)));
  if (made === 'conflict' || made === 'refused') return made;
  await ctx.volumeWriter.patchStatus(made, {
    phase: 'Ready', capacityBytes: r.capacityBytes.toString(), usedBytes: r.usedBytes.toString(), dataset: r.dataset,
    mountpoint: r.mountpoint, observedGeneration: made.metadata.generation, code: null, message: null,
  });
  await ctx.events.normal(involvedOf('ZfsVolume', made.metadata), 'ResourceRecovered',
    `ZfsVolume re-created from the records on dataset ${r.dataset} (CSI name ${r.name}); nothing on the pool was changed`);
  return 'created';
}

async function recoverSnapshot(ctx: AgentContext, s: SnapshotRecord, now: string): Promise<Outcome> {
  const made = await create<ZfsSnapshot>(ctx, 'ZfsSnapshot', s.id, `snapshot ${s.zfsName}`,
    () => ctx.snapshotWriter.create(recovered(snapshotBody(s), now)));
  if (made === 'conflict' || made === 'refused') return made;
  await ctx.snapshotWriter.patchStatus(made, {
    phase: 'Ready', readyToUse: true, creationTime: s.creationTime.toISOString(), sizeBytes: s.sizeBytes.toString(),
    zfsName: s.zfsName, observedGeneration: made.metadata.generation, code: null, message: null,
  });
  await ctx.events.normal(involvedOf('ZfsSnapshot', made.metadata), 'ResourceRecovered',
    `ZfsSnapshot re-created from the records on ${s.zfsName} (CSI name ${s.name}); nothing on the pool was changed`);
  return 'created';
}

/**
 * An imported volume is not re-created (recovery-plan.ts says why); one Warning on the ZfsNode says what the
 * operator writes again, from the record on the dataset, so nobody has to dig the figures out of `zfs get`.
 */
async function importNotRecovered(ctx: AgentContext, r: VolumeRecord): Promise<void> {
  await ctx.events.warning(involvedOf('ZfsNode', { name: ctx.node }), 'ImportNotRecovered',
    `imported volume ${r.id} (CSI name ${r.name}) on dataset ${r.dataset} has no ZfsVolume and was not re-created: an import is `
    + `an operator's to write (docs/import.md). Write its ZfsVolume again: name and volumeId ${r.id}, csiName ${JSON.stringify(r.name)}, `
    + `nodeName ${ctx.node}, parentDataset ${r.parent}, importDataset ${r.dataset}, requestedBytes "0"; nothing is written to the dataset`);
}

/**
 * What CR recovery re-creates (issue #10, docs/kubernetes-mode.md "Recovering resources after a cluster
 * rebuild"), decided from one scan per parent and the resources this node already has. Pure: the agent's
 * recovery.ts writes the result. Only this node's own live records come back, each under its own ID, so the
 * controller's calls and a re-created PV (volumeHandle) or VolumeSnapshotContent (snapshotHandle) find them:
 * - a live volume of this node that no resource names → a ZfsVolume;
 * - a CSI snapshot of this node that no resource names, inside a volume dataset of this node → a ZfsSnapshot,
 *   also when that volume is retired (its data is what a restore clones; the sweep frees it after the last one);
 * - a retired volume → nothing: DeleteVolume already happened, and a ZfsVolume could only say so again with
 *   deletion intent, which recovery never writes (DESIGN.md §4 rule 7). It is kept, accounted for, not drift;
 * - a received copy (replica-of) and its snapshots → nothing: the snapshot IDs are the sender's, whose agent
 *   recovers them; a resource here would take their names (issue #8). They stay drift;
 * - a record made by another node (the pool moved), or one whose ID two datasets carry → nothing, drift;
 * - an imported volume (its dataset is not `<parent>/<id>`) → no ZfsVolume, drift, listed in `imports` so the
 *   operator is told what to write again; its snapshots do come back (they name their dataset in status).
 *   A ZfsVolume with spec.importDataset makes the agent take over the dataset it names: if an agent's
 *   credentials could write one, they alone could hand any dataset of the node to the driver (and so to a
 *   CSI DeleteVolume). The policy keeps that an operator's act (DESIGN.md §4 rule 9, docs/import.md).
 */
import type { SnapshotRecord, VolumeRecord } from '../domain/types.js';
import type { PoolView } from '../provision/decode.js';

export interface Skipped {
  /** The dataset or `dataset@snapshot`. */
  readonly name: string;
  readonly reason: string;
}

export interface RecoveryPlan {
  readonly volumes: readonly VolumeRecord[];
  readonly snapshots: readonly SnapshotRecord[];
  /** Retired datasets kept for their snapshots and clones: no resource, and not drift either. */
  readonly retired: readonly string[];
  /** Left as they are and reported as drift, with the reason. */
  readonly skipped: readonly Skipped[];
  /** Imported volumes among the skipped: an operator writes their ZfsVolume again (docs/import.md). */
  readonly imports: readonly VolumeRecord[];
}

/** IDs some resource of this node already names (whatever its state): never re-created. */
export interface KnownIds {
  readonly volumes: ReadonlySet<string>;
  readonly snapshots: ReadonlySet<string>;
}

export function planRecovery(node: string, views: readonly PoolView[], known: KnownIds, copies: ReadonlySet<string>): RecoveryPlan {
  const records = views.flatMap((v) => v.volumes);
  const snapshots = views.flatMap((v) => v.snapshots);
  const byDataset = new Map(records.map((r) => [r.dataset, r]));
  const twice = repeated([...records.map((r) => `v:${r.id}`), ...snapshots.map((s) => `s:${s.id}`)]);
  const plan = {
    volumes: [] as VolumeRecord[], snapshots: [] as SnapshotRecord[], retired: [] as string[], skipped: [] as Skipped[], imports: [] as VolumeRecord[],
  };
  for (const r of records) {
    if (known.volumes.has(r.id)) continue;
    const reason = twice.has(`v:${r.id}`) ? `volume ID ${r.id} is carried by more than one dataset` : volumeProblem(node, r);
    if (reason !== undefined) {
      plan.skipped.push({ name: r.dataset, reason });
      if (reason === IMPORTED) plan.imports.push(r);
    } else if (r.retired) plan.retired.push(r.dataset);
    else plan.volumes.push(r);
  }
  for (const s of snapshots) {
    if (known.snapshots.has(s.id) || copies.has(s.zfsName)) continue;
    const volume = byDataset.get(s.zfsName.slice(0, s.zfsName.indexOf('@')));
    const reason = twice.has(`s:${s.id}`) ? `snapshot ID ${s.id} is carried by more than one snapshot` : snapshotProblem(node, s, volume);
    if (reason !== undefined) plan.skipped.push({ name: s.zfsName, reason });
    else plan.snapshots.push(s);
  }
  return plan;
}

const IMPORTED = 'an imported volume: an operator writes its ZfsVolume again (docs/import.md)';

function volumeProblem(node: string, r: VolumeRecord): string | undefined {
  if (r.replicaOf !== undefined) return `a copy received from node ${r.replicaOf}; that node recovers the original`;
  if (r.node !== node) return `made by node ${r.node}, not by this one`;
  // Its ZfsVolume names the dataset (spec.importDataset): import intent is an operator's, never an agent's.
  // Retired, it needs no ZfsVolume at all (DeleteVolume happened): accounted for like any retired data.
  if (!r.retired && r.dataset !== `${r.parent}/${r.id}`) return IMPORTED;
  return undefined;
}

function snapshotProblem(node: string, s: SnapshotRecord, volume: VolumeRecord | undefined): string | undefined {
  if (volume === undefined || volume.id !== s.sourceVolumeId) return `its dataset is not the record of volume ${s.sourceVolumeId}`;
  if (volume.replicaOf !== undefined) return `a copy received from node ${volume.replicaOf}; that node recovers the original`;
  if (s.node !== node || volume.node !== node) return `made by node ${s.node}, not by this one`;
  return undefined;
}

function repeated(keys: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const k of keys) (seen.has(k) ? twice : seen).add(k);
  return twice;
}

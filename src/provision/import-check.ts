/**
 * Pure validation of an import (docs/import.md): which parent a dataset belongs to, and whether the facts read
 * from ZFS and the mount table allow it to become a managed volume without moving or rewriting data. Every
 * refusal is decided here, before the first `zfs set`, so a refused import changes nothing.
 */
import { isVolumeId } from '../csi/ids.js';
import { requireName } from '../csi/fields.js';
import type { MountEntry } from '../mount/mounter.js';
import { nameProblem } from '../zfs/names.js';
import type { DatasetInfo, ZfsProps } from '../zfs/zfs.js';
import { ProvisionError } from './errors.js';
import { P, encodeParams, encodeText } from './props.js';

export interface ImportRequest {
  readonly dataset: string;
  /** The CO name the volume gets (default: the dataset's name). */
  readonly name?: string;
  /** Needed when the dataset has no refquota; must equal it when it has one. */
  readonly sizeBytes?: bigint;
  /** The volume ID to give (Kubernetes: the ZfsVolume's name); absent = a fresh one. */
  readonly id?: string;
}

/** Native properties the check reads (besides the driver's own). */
export const IMPORT_NATIVE_PROPS = ['type', 'mountpoint', 'canmount', 'mounted', 'refquota', 'quota', 'referenced'] as const;

export interface ImportFacts {
  readonly request: ImportRequest;
  readonly parent: string;
  readonly node: string;
  /** The dataset itself, from `zfs get` of IMPORT_NATIVE_PROPS and the driver's properties. */
  readonly info: DatasetInfo;
  /** Descendant datasets (snapshots excluded). */
  readonly children: readonly string[];
  readonly mounts: readonly MountEntry[];
  readonly mountRoot: string;
  /** The dataset of a live volume that already has the requested name, if any. */
  readonly nameOwner: string | undefined;
  /** The dataset of a volume the driver knows under the ID recorded on this one, if any. */
  readonly idOwner: string | undefined;
  /** The ID to give when the dataset carries none from an interrupted import. */
  readonly freshId: string;
  readonly now: Date;
}

/** What to write (importer.ts says in which order); `managed` goes last so a crash leaves an unmanaged dataset. */
export interface ImportSteps {
  readonly id: string;
  readonly name: string;
  readonly capacityBytes: bigint;
  readonly mountpoint: string;
  readonly marks: ZfsProps;
  readonly quota: ZfsProps | undefined;
  readonly mountpointChange: ZfsProps | undefined;
  readonly canmountChange: ZfsProps | undefined;
  readonly managed: ZfsProps;
}

export type ImportPlan = { readonly kind: 'done'; readonly id: string } | ({ readonly kind: 'apply' } & ImportSteps);

const refuse = (message: string): ProvisionError => new ProvisionError('FAILED_PRECONDITION', `${message}; nothing was changed`);
const invalid = (message: string): ProvisionError => new ProvisionError('INVALID_ARGUMENT', `${message}; nothing was changed`);

/** The configured parent `dataset` is a direct child of; INVALID_ARGUMENT otherwise. No I/O. */
export function importParent(dataset: string, parents: readonly string[]): string {
  const problem = nameProblem(dataset, 'dataset');
  if (problem !== undefined) throw invalid(`${JSON.stringify(dataset)} is not a dataset name (${problem}; snapshots cannot be imported)`);
  const parent = parents.find((p) => dataset.startsWith(`${p}/`));
  if (parent === undefined) throw invalid(`${dataset} is not below a configured parent (${parents.join(', ')})`);
  // One level only: a volume's parent is what capacity, sweeps and scans look at (DESIGN.md §3).
  if (dataset.slice(parent.length + 1).includes('/')) throw invalid(`${dataset} is not a direct child of ${parent}; move it there first (zfs rename)`);
  return parent;
}

export function planImport(f: ImportFacts): ImportPlan {
  const p = f.info.props;
  const dataset = f.info.name;
  const type = p.get('type');
  if (type !== 'filesystem') throw invalid(`${dataset} is a ${type ?? 'dataset of unknown type'}; only filesystems can be imported`);
  const name = requireName(f.request.name ?? dataset, 'name');
  if (p.get(P.managed) === 'true') return alreadyManaged(f, name);
  if (f.children.length > 0) throw refuse(`${dataset} has child datasets (${f.children.slice(0, 3).join(', ')}); a volume is one dataset`);
  const id = recordedId(f);
  const mountpoint = `${f.mountRoot}/${id}`;
  checkMounts(f, mountpoint);
  if (f.nameOwner !== undefined && f.nameOwner !== dataset) {
    throw new ProvisionError('ALREADY_EXISTS', `the name ${JSON.stringify(name)} is taken by the volume in ${f.nameOwner}; pass another --name`);
  }
  const capacityBytes = sizeOf(f);
  return {
    kind: 'apply', id, name, capacityBytes, mountpoint,
    marks: {
      [P.kind]: 'volume',
      [P.volumeId]: id,
      [P.csiName]: encodeText(name),
      [P.node]: f.node,
      [P.source]: 'none',
      // Thin and with no properties of ours: the dataset keeps every setting it had.
      [P.params]: encodeParams({ properties: {}, quotaType: 'refquota', thin: true }),
      [P.dataset]: dataset,
      [P.imported]: p.get(P.imported) ?? f.now.toISOString(),
    },
    quota: quotaOf(p.get('refquota')) === capacityBytes ? undefined : { refquota: capacityBytes.toString() },
    mountpointChange: p.get('mountpoint') === mountpoint ? undefined : { mountpoint },
    canmountChange: p.get('canmount') === 'on' ? undefined : { canmount: 'on' },
    managed: { [P.managed]: 'true' },
  };
}

/** A finished import asked again under the same name is the same answer; anything else managed is refused. */
function alreadyManaged(f: ImportFacts, name: string): ImportPlan {
  const p = f.info.props;
  const id = p.get(P.volumeId) ?? '';
  const sameName = p.get(P.csiName) === encodeText(name);
  const sizeOk = f.request.sizeBytes === undefined || quotaOf(p.get('refquota')) === f.request.sizeBytes;
  const idOk = f.request.id === undefined || f.request.id === id;
  if (p.has(P.imported) && !p.has(P.retired) && sameName && sizeOk && idOk && f.idOwner === f.info.name) return { kind: 'done', id };
  throw refuse(`${f.info.name} is already managed by the driver${id === '' ? '' : ` (volume ${id})`}`);
}

/** An interrupted import left its ID on the dataset: the retry keeps it, so the answer never changes. */
function recordedId(f: ImportFacts): string {
  const recorded = f.info.props.get(P.volumeId);
  if (recorded === undefined) return f.request.id ?? f.freshId;
  // An ID asked for (a ZfsVolume's name) must be the one the volume gets: a resource never names another ID.
  if (f.request.id !== undefined && recorded !== f.request.id) {
    throw refuse(`${f.info.name} carries ${P.volumeId}=${recorded} (an earlier import?), not ${f.request.id}; clear it (zfs inherit) to import`);
  }
  if (!isVolumeId(recorded)) throw refuse(`${f.info.name} carries ${P.volumeId}=${recorded}, which is not an ID of this driver; clear it (zfs inherit) to import`);
  if (f.idOwner !== undefined && f.idOwner !== f.info.name) throw refuse(`${f.info.name} carries the ID of the volume in ${f.idOwner} (a copy?); clear ${P.volumeId} (zfs inherit) to import`);
  return recorded;
}

/**
 * Mounted only at its own mountpoint, nothing else there or below it, and nothing at the driver's mount
 * path. Mount entries of a ZFS dataset carry the dataset as their source (OpenZFS and zfs-fuse, bind mounts
 * included), so any entry of it elsewhere is a use the driver cannot see the end of.
 */
function checkMounts(f: ImportFacts, target: string): void {
  const dataset = f.info.name;
  const own = f.info.props.get('mountpoint') ?? '';
  const ours = (e: MountEntry): boolean => e.source === dataset;
  const under = (path: string, dir: string): boolean => dir.startsWith('/') && (path === dir || path.startsWith(`${dir}/`));
  const elsewhere = f.mounts.find((e) => ours(e) && e.mountPoint !== own && e.mountPoint !== target);
  if (elsewhere) throw refuse(`${dataset} is mounted at ${elsewhere.mountPoint}, not (only) at its mountpoint ${own}; unmount that first`);
  for (const dir of [own, target]) {
    const other = f.mounts.find((e) => !ours(e) && under(e.mountPoint, dir));
    if (other) throw refuse(`${other.mountPoint} has ${other.source} mounted on it, in the way of ${dataset} at ${dir}`);
  }
}

/** refquota when set (then --size must agree), else --size, never below what the dataset already holds. */
function sizeOf(f: ImportFacts): bigint {
  const p = f.info.props;
  const dataset = f.info.name;
  const refquota = quotaOf(p.get('refquota'));
  const asked = f.request.sizeBytes;
  if (refquota !== undefined && asked !== undefined && asked !== refquota) {
    throw invalid(`${dataset} has refquota ${refquota}: leave out the size to keep it, or change the refquota first (the volume can be expanded after import)`);
  }
  const size = refquota ?? asked;
  // Never a volume without a size: capacity, expansion and the CO's view all need one.
  if (size === undefined) throw invalid(`${dataset} has no refquota: give the volume's size (ctl import --size, or a ZfsVolume's spec.requestedBytes)`);
  if (size <= 0n) throw invalid('the size must be more than 0 bytes');
  const referenced = BigInt(p.get('referenced') ?? '0');
  if (size < referenced) throw invalid(`a size of ${size} bytes is less than the ${referenced} bytes ${dataset} holds; data is never shrunk`);
  const quota = quotaOf(p.get('quota'));
  if (quota !== undefined && quota < size) throw refuse(`${dataset} has quota ${quota}, below the size ${size}: it could never be filled; raise or clear the quota`);
  return size;
}

/** A quota property: undefined when not set (0, none or -, as the implementations print it). */
function quotaOf(value: string | undefined): bigint | undefined {
  if (value === undefined || !/^\d+$/.test(value) || value === '0') return undefined;
  return BigInt(value);
}

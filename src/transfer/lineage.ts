import { P } from '../provision/props.js';
import { isZfsError } from '../zfs/errors.js';
import type { Zfs } from '../zfs/zfs.js';
import type { SnapshotRef } from './plan.js';

/** One dataset's snapshots by GUID, and the driver's marks on it (issue #8: snapshots are matched by guid). */
export interface Lineage {
  /** The dataset's own user properties (the driver's record, when it has one). */
  readonly marks: ReadonlyMap<string, string>;
  /** Every snapshot, managed or not, oldest first (createtxg order). */
  readonly snapshots: readonly SnapshotRef[];
  /** Short names of the snapshots that carry the driver's record. */
  readonly recorded: ReadonlySet<string>;
  /** Each snapshot's referenced bytes by short name: a full stream's size where there is no dry run (zfs-fuse). */
  readonly referenced: ReadonlyMap<string, bigint>;
}

const LINEAGE_PROPS = ['type', 'guid', 'createtxg', 'referenced', P.managed, P.kind, P.volumeId, P.replicaOf, P.snapshotId];

const bytesOf = (value: string | undefined): bigint => (value !== undefined && /^[0-9]{1,20}$/.test(value) ? BigInt(value) : 0n);

/** One `zfs get -d 1` of the dataset; undefined when it does not exist (the caller proves the parent is there). */
export async function readLineage(zfs: Zfs, dataset: string, signal?: AbortSignal): Promise<Lineage | undefined> {
  let infos;
  try {
    infos = await zfs.get([dataset], LINEAGE_PROPS, { depth: 1 }, signal);
  } catch (err) {
    if (isZfsError(err, 'not_found')) return undefined;
    throw err;
  }
  const own = infos.find((i) => i.name === dataset);
  if (own === undefined) return undefined;
  const snaps = infos
    .filter((i) => i.props.get('type') === 'snapshot' && i.name.startsWith(`${dataset}@`))
    .map((i) => ({ info: i, txg: BigInt(i.props.get('createtxg') ?? '0') }))
    .sort((a, b) => (a.txg < b.txg ? -1 : a.txg > b.txg ? 1 : 0));
  const short = (name: string): string => name.slice(name.indexOf('@') + 1);
  return {
    marks: own.props,
    snapshots: snaps.map(({ info }) => ({ name: short(info.name), guid: info.props.get('guid') ?? '' })),
    recorded: new Set(snaps.filter(({ info }) => info.props.get(P.managed) === 'true').map(({ info }) => short(info.name))),
    referenced: new Map(snaps.map(({ info }) => [short(info.name), bytesOf(info.props.get('referenced'))])),
  };
}

import type { ContentSource, VolumeParams } from '../domain/types.js';

/**
 * The driver's records live in ZFS user properties (DESIGN.md §3.1), so standalone state survives any crash:
 * every create/clone/snapshot writes them in the same command that makes the object.
 * Values that come from the CO (names, parameters) are percent-encoded: a CSI name may hold tabs and newlines,
 * which would break the tab-separated `zfs get -H` output.
 */
export const PROP_PREFIX = 'zfs.csi.dev:';

export const P = {
  managed: `${PROP_PREFIX}managed`,
  kind: `${PROP_PREFIX}kind`,
  volumeId: `${PROP_PREFIX}volume-id`,
  snapshotId: `${PROP_PREFIX}snapshot-id`,
  csiName: `${PROP_PREFIX}csi-name`,
  node: `${PROP_PREFIX}node`,
  source: `${PROP_PREFIX}source`,
  params: `${PROP_PREFIX}params`,
  sourceVolume: `${PROP_PREFIX}source-volume-id`,
  size: `${PROP_PREFIX}size`,
  helperFor: `${PROP_PREFIX}helper-for`,
  retired: `${PROP_PREFIX}retired`,
  created: `${PROP_PREFIX}created`,
  /** On a received copy (issue #8): the node whose volume this is a replica of. */
  replicaOf: `${PROP_PREFIX}replica-of`,
  /**
   * On an imported volume (docs/import.md): the dataset it was imported as, which keeps its own name. The
   * record is only believed where it was written, so a renamed or copied dataset reads as foreign.
   */
  dataset: `${PROP_PREFIX}dataset`,
  /** On an imported volume: when it was imported (a made volume has no such mark). */
  imported: `${PROP_PREFIX}imported`,
} as const;

/** What a managed object is: a CSI volume, a CSI snapshot, or the hidden snapshot behind a volume clone. */
export type ObjectKind = 'volume' | 'snapshot' | 'clone-helper';

/** Native properties read by the start-up scan alongside the user properties. */
export const NATIVE_SCAN_PROPS = [
  'type',
  'origin',
  'refquota',
  'quota',
  'used',
  'mountpoint',
  'canmount',
  'creation',
  'defer_destroy',
  // `zfs hold` count of a snapshot (zfs-fuse and OpenZFS): a held one cannot be destroyed (issue #10 part 3).
  'userrefs',
] as const;

export const SCAN_PROPS: readonly string[] = [...NATIVE_SCAN_PROPS, ...Object.values(P)];

export const encodeText = (value: string): string => encodeURIComponent(value);

export function decodeText(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

export function encodeSource(source: ContentSource | undefined): string {
  if (!source) return 'none';
  return source.kind === 'snapshot' ? `snapshot:${source.snapshotId}` : `volume:${source.volumeId}`;
}

export function decodeSource(value: string | undefined): ContentSource | undefined | null {
  if (value === undefined || value === 'none') return undefined;
  const [kind, id] = value.split(':', 2);
  if (kind === 'snapshot' && id) return { kind: 'snapshot', snapshotId: id };
  if (kind === 'volume' && id) return { kind: 'volume', volumeId: id };
  return null;
}

export function encodeParams(params: VolumeParams): string {
  return encodeText(JSON.stringify(params));
}

/** Decodes stored parameters; null when the value is damaged (the scan reports it, never guesses). */
export function decodeParams(value: string | undefined): VolumeParams | null {
  if (value === undefined) return null;
  const text = decodeText(value);
  if (text === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return isParams(raw) ? raw : null;
}

function isParams(raw: unknown): raw is VolumeParams {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  const props = r['properties'];
  if (typeof props !== 'object' || props === null) return false;
  if (!Object.values(props).every((v) => typeof v === 'string')) return false;
  if (r['quotaType'] !== 'refquota' && r['quotaType'] !== 'quota') return false;
  if (typeof r['thin'] !== 'boolean') return false;
  const foreign = r['foreignSnapshots'];
  if (foreign !== undefined && foreign !== 'keep' && foreign !== 'destroy') return false;
  return r['parentDataset'] === undefined || typeof r['parentDataset'] === 'string';
}

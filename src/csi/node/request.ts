/** Request pieces every Node RPC shares: required IDs and paths, volume resolution, lock keys. */
import { CsiError, notFound } from '../errors.js';
import { requireString } from '../fields.js';
import type { NodeDeps } from './deps.js';
import type { NodeVolume } from './lookup.js';

/**
 * Linux PATH_MAX. Paths are not names: kubelet's target paths (`/var/lib/kubelet/pods/<uid>/volumes/
 * kubernetes.io~csi/<pv>/mount`) routinely exceed the 128-byte limit CSI puts on names and IDs.
 */
export const MAX_PATH_BYTES = 4096;

export const requireVolumeId = (value: string | null | undefined): string => requireString(value, 'volume_id');

/** Presence and length only; the lexical check (`TargetManager.checkPath`) runs after every required field. */
export const requirePath = (value: string | null | undefined, field: string): string =>
  requireString(value, field, MAX_PATH_BYTES);

/**
 * Publish and unpublish of one volume are serialised (the single-writer check reads the mount table and
 * then binds). Without a volume_id there is nothing to lock; the handler then answers INVALID_ARGUMENT.
 */
export function volumeLockKeys(request: { readonly volume_id?: string | null }): readonly string[] {
  const id = request.volume_id;
  return id === undefined || id === null || id === '' ? [] : [`node-volume:${id}`];
}

export async function findVolume(deps: NodeDeps, volumeId: string): Promise<NodeVolume> {
  const volume = await deps.volumes.lookup(volumeId);
  if (volume === undefined) throw notFound(`volume ${volumeId} does not exist on node ${deps.nodeId}`);
  return volume;
}

/**
 * The volume, when `path` shows it: a publish target bound from its dataset, or the dataset mountpoint
 * itself. CSI NodeGetVolumeStats / NodeExpandVolume: a volume that "does not exist on the specified
 * volume_path" is NOT_FOUND (DESIGN.md §5).
 */
export async function findVolumeAt(deps: NodeDeps, volumeId: string, rawPath: string): Promise<NodeVolume> {
  const volume = await findVolume(deps, volumeId);
  // A path that fails the lexical check (e.g. csi-sanity's relative "some/path") cannot hold the volume:
  // these read-only RPCs answer NOT_FOUND for it, as the spec's error table asks; nothing is touched.
  let path: string;
  try {
    path = deps.targets.checkPath(rawPath);
  } catch {
    throw notFound(`volume ${volumeId} is not mounted at ${JSON.stringify(rawPath)}`);
  }
  if (path === volume.mountpoint) return volume;
  if (!(await deps.targets.isPublished(volume.mountpoint, path))) throw notMountedAt(deps, volumeId, volume, path);
  return volume;
}

/** NOT_FOUND for a volume missing from `path`, unless its pool is away: then UNAVAILABLE (§4 rule 6). */
export function notMountedAt(deps: NodeDeps, volumeId: string, volume: NodeVolume, path: string): CsiError {
  const reason = deps.health?.unavailable?.(volume);
  if (reason !== undefined) return new CsiError('UNAVAILABLE', `volume ${volumeId} is unavailable: ${reason}`);
  return notFound(`volume ${volumeId} is not mounted at ${path}`);
}

/**
 * Volume health as CSI reports it (VolumeCondition, issue #7 "honest health"): what the controller answers in
 * ControllerGetVolume / ListVolumes and the node in NodeGetVolumeStats. Messages name what is wrong, so an
 * operator reading a PVC event knows where to look (docs/troubleshooting.md).
 */

export interface VolumeCondition {
  readonly abnormal: boolean;
  readonly message: string;
}

/** What a backend knows of one volume beyond its record. */
export interface VolumeState {
  readonly condition: VolumeCondition;
  /**
   * Nodes where the volume is published now, from real records (the mount table in standalone mode).
   * Undefined when the backend keeps no record of publications (Kubernetes mode: no ControllerPublish).
   */
  readonly publishedNodes?: readonly string[];
}

export const normal = (message: string): VolumeCondition => ({ abnormal: false, message });
export const abnormal = (message: string): VolumeCondition => ({ abnormal: true, message });

/** Pool of a dataset name (`tank/csi/vol-1` → `tank`). */
export const poolOf = (name: string): string => name.split('/')[0] ?? name;

/**
 * The condition a pool's `zpool list -o health` value imposes on its volumes; undefined when ONLINE (nothing
 * to say). DEGRADED is abnormal too: the data is still served, but one more failure loses it.
 * `health` undefined = the pool is not imported.
 */
export function poolCondition(pool: string, health: string | undefined): VolumeCondition | undefined {
  if (health === 'ONLINE') return undefined;
  if (health === undefined) return abnormal(`pool ${pool} is not imported`);
  return abnormal(`pool ${pool} is ${health}`);
}

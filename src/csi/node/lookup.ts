/**
 * How the Node service finds a volume on this node. Standalone mode answers from its in-process records;
 * the Kubernetes node agent answers from the ZfsVolume resources it reconciles. No `zfs` process runs on
 * this path (NodeGetVolumeStats is hot, DESIGN.md §7).
 */

/** A volume the node can publish: its dataset and where ZFS mounts it (the bind-mount source, §3). */
export interface NodeVolume {
  readonly dataset: string;
  /** Absolute, normalised mount root of the dataset (`<mount root>/<volume-id>`). */
  readonly mountpoint: string;
  readonly capacityBytes: bigint;
}

export interface NodeVolumeLookup {
  /**
   * The volume with this CSI volume ID when it lives on this node and is usable (not retired, dataset
   * mounted at `mountpoint`), else undefined. Publishing binds whatever is at `mountpoint`, so an
   * implementation must not return a volume whose dataset is not mounted there: a pod would otherwise
   * write into the host's directory instead of the dataset.
   */
  lookup(volumeId: string): Promise<NodeVolume | undefined>;
}

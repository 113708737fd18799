/** The mount seam: the mount table, bind mounts and verified unmounts (DESIGN.md §4 rules 3 and 4). */

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountEntry {
  readonly id: number;
  readonly parentId: number;
  /** major:minor of the filesystem. */
  readonly device: string;
  /** Root of the mount within its filesystem (bind mounts of a subdirectory show it here). */
  readonly root: string;
  readonly mountPoint: string;
  readonly options: readonly string[];
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: readonly string[];
}

export interface Mounter {
  /** Current mounts, parsed from /proc/self/mountinfo (never guessed). */
  table(): Promise<readonly MountEntry[]>;
  /** Bind-mount source onto target (target exists); read-only when asked. */
  bind(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void>;
  /** Unmount target and verify against the mount table that nothing is mounted there any more. */
  unmount(target: string, signal?: AbortSignal): Promise<void>;
}

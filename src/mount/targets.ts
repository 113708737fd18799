/** What the CSI Node service needs from the host: publish targets and their statistics. */

export interface VolumeStats {
  readonly totalBytes: bigint;
  readonly availableBytes: bigint;
  readonly usedBytes: bigint;
  readonly totalInodes: bigint;
  readonly freeInodes: bigint;
  readonly usedInodes: bigint;
}

export interface TargetManager {
  /**
   * Lexical check of a CO-supplied path (DESIGN.md §4 rule 3): absolute, normalised, no `..`, no NUL.
   * Returns it normalised (no trailing slash); throws INVALID_ARGUMENT otherwise. No I/O.
   */
  checkPath(path: string): string;
  /** Targets where `source` (a dataset mountpoint) is bind-mounted now, read from the mount table. */
  bindsOf(source: string): Promise<readonly string[]>;
  /** True when `target` is a mount of `source` right now. */
  isPublished(source: string, target: string): Promise<boolean>;
  /**
   * The source this process published at `target` (or saw there through isPublished) and has not
   * unpublished since; undefined otherwise. No I/O. A known target that is no longer a mount of its source
   * lost its mount outside the driver: a fault to report (NodeGetVolumeStats condition), not a wrong path.
   */
  knownSource(target: string): string | undefined;
  /**
   * Creates `target` when missing (its parent must exist; a symlink is INVALID_ARGUMENT), bind-mounts
   * `source` there, read-only when asked. Idempotent: already bound from `source` with the same
   * read-only-ness → OK; something else mounted there → ALREADY_EXISTS.
   */
  publish(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void>;
  /** Unmounts `target` (verified in the mount table) and removes the directory. Gone already → OK. */
  unpublish(target: string, signal?: AbortSignal): Promise<void>;
  /** statfs of a mounted target: bytes and inodes. No `zfs` process (DESIGN.md §7). */
  stats(target: string): Promise<VolumeStats>;
}

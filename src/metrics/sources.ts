/**
 * What a mode hands the metrics at scrape time (pull) or pushes when it knows (the agent). The numbers are
 * totals per bounded label (phase, node, parent, kind): never one series per volume.
 */

/** Objects counted by phase (standalone: Ready / Retired / Pending; Kubernetes: the CR status phase). */
export interface PhaseCounts {
  readonly volumes: Readonly<Record<string, number>>;
  readonly snapshots: Readonly<Record<string, number>>;
}

/** Space of one parent dataset on one node. */
export interface PoolCapacity {
  readonly node: string;
  readonly parent: string;
  readonly availableBytes: bigint;
  /** `used` of the parent dataset; omitted when the source does not know it. */
  readonly usedBytes?: bigint;
  /** Bytes held by retired volumes (DESIGN.md §3.1); omitted when the source does not know it. */
  readonly retiredBytes?: bigint;
}

/**
 * Read at every scrape. Undefined / a rejection means "not known now": the gauge then has no series, so a
 * dashboard shows a gap rather than a false zero (an unimported pool is not an empty one, DESIGN.md §4 rule 6).
 */
export interface MetricsSources {
  readonly inventory?: () => Promise<PhaseCounts | undefined>;
  readonly capacity?: () => Promise<readonly PoolCapacity[] | undefined>;
}

/** Counts records by a phase function: the one way modes turn their records into PhaseCounts halves. */
export function countBy<T>(items: Iterable<T>, phaseOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const phase = phaseOf(item);
    counts[phase] = (counts[phase] ?? 0) + 1;
  }
  return counts;
}

/** Drift names (datasets and `dataset@snapshot`s) as counts by kind, for Metrics.setDriftObjects. */
export function driftByKind(names: readonly string[]): Record<string, number> {
  return { volume: 0, snapshot: 0, ...countBy(names, (n) => (n.includes('@') ? 'snapshot' : 'volume')) };
}

/** Retired volumes of one parent that only foreign snapshots keep (issue #10 part 3), and their bytes. */
export interface ForeignHeldTotals {
  readonly node: string;
  readonly parent: string;
  readonly volumes: number;
  readonly bytes: bigint;
}

/** Totals per parent, with every configured parent present (0 when none is held: "none", not "no data"). */
export function foreignHeldTotals(
  node: string, parents: readonly string[], holds: readonly { parent: string; usedBytes: bigint }[],
): ForeignHeldTotals[] {
  return parents.map((parent) => {
    const mine = holds.filter((h) => h.parent === parent);
    return { node, parent, volumes: mine.length, bytes: mine.reduce((sum, h) => sum + h.usedBytes, 0n) };
  });
}

import type { CapacityReport } from '../../domain/types.js';

/**
 * Which parent dataset on a node a new volume goes to (DESIGN.md §3): the StorageClass's `parentDataset`
 * when set (it must be exactly one of the node's configured parents: the node agent and the start-up scan
 * only know those), else the node's first parent. undefined when the node has no such parent.
 */
export function reportFor(
  reports: readonly CapacityReport[],
  node: string,
  parentDataset?: string,
): CapacityReport | undefined {
  const onNode = reports.filter((r) => r.node === node);
  if (parentDataset === undefined) return onNode[0];
  return onNode.find((r) => r.parent === parentDataset);
}

/** The report per node a new volume would draw from (GetCapacity), in the backend's order. */
export function reportsPerNode(
  reports: readonly CapacityReport[],
  parentDataset?: string,
): CapacityReport[] {
  const nodes = [...new Set(reports.map((r) => r.node))];
  const chosen: CapacityReport[] = [];
  for (const node of nodes) {
    const r = reportFor(reports, node, parentDataset);
    if (r !== undefined) chosen.push(r);
  }
  return chosen;
}

import { TOPOLOGY_NODE_KEY } from '../domain/types.js';
import { resourceExhausted } from './errors.js';

/** csi.v1.Topology / TopologyRequirement as proto-loader decodes them. */
export interface TopologyInput {
  readonly segments?: Readonly<Record<string, string>> | null;
}
export interface TopologyRequirementInput {
  readonly requisite?: readonly TopologyInput[] | null;
  readonly preferred?: readonly TopologyInput[] | null;
}

/** The node a topology segment set names, if any. */
export function nodeOf(topology: TopologyInput | null | undefined): string | undefined {
  const node = topology?.segments?.[TOPOLOGY_NODE_KEY];
  return node === undefined || node === '' ? undefined : node;
}

/** accessible_topology of a volume on `node` (CSI: the volume is reachable from exactly that node). */
export function accessibleTopology(node: string): { segments: Record<string, string> }[] {
  return [{ segments: { [TOPOLOGY_NODE_KEY]: node } }];
}

function namedNodes(list: readonly TopologyInput[] | null | undefined): string[] {
  const nodes: string[] = [];
  for (const t of list ?? []) {
    const node = nodeOf(t);
    if (node !== undefined) nodes.push(node);
  }
  return nodes;
}

function hasRequisite(req: TopologyRequirementInput | null | undefined): boolean {
  return (req?.requisite?.length ?? 0) > 0;
}

/**
 * Picks the node for a new volume (CSI CreateVolumeRequest.accessibility_requirements): preferred in order,
 * then requisite, among the nodes the backend knows. Without a requisite list any known node will do
 * (first known); with one that names no known node the request cannot be met → RESOURCE_EXHAUSTED (spec's
 * CreateVolume error table: "Unable to provision in accessible_topology").
 */
export function chooseNode(
  req: TopologyRequirementInput | null | undefined,
  known: readonly string[],
): string {
  const knownSet = new Set(known);
  const requisite = namedNodes(req?.requisite);
  const allowed = (n: string): boolean =>
    knownSet.has(n) && (!hasRequisite(req) || requisite.includes(n));
  const candidate = [...namedNodes(req?.preferred), ...requisite].find(allowed);
  if (candidate !== undefined) return candidate;
  const first = known[0];
  if (!hasRequisite(req) && first !== undefined) return first;
  throw resourceExhausted(
    hasRequisite(req)
      ? `no known node satisfies the requisite topology (requisite nodes: ${requisite.join(', ') || 'none'}; known: ${known.join(', ') || 'none'})`
      : 'no node is available to place the volume on',
  );
}

/** True when the topology lets a volume live on `node` (no requisite: every node is allowed). */
export function nodeAllowed(req: TopologyRequirementInput | null | undefined, node: string): boolean {
  return !hasRequisite(req) || namedNodes(req?.requisite).includes(node);
}

/**
 * Checks that a node fixed by something else (a clone must sit next to its source) is allowed by the
 * request's requisite topology; RESOURCE_EXHAUSTED otherwise.
 */
export function requireNodeAllowed(
  req: TopologyRequirementInput | null | undefined,
  node: string,
): void {
  if (nodeAllowed(req, node)) return;
  throw resourceExhausted(
    `the content source lives on node ${node}, which the requisite topology does not allow`,
  );
}

/**
 * Which resource a CO name resolves to (CSI CreateVolume/CreateSnapshot idempotency). The controller makes
 * one resource per name under its name lock, but an operator's import (or a ZfsSnapshot written by hand) is
 * checked only against its own node's resources (the agent watches no others, docs/import.md), so two nodes
 * can hold resources claiming one name. The cache's order is no answer then: returning either could hand the
 * CO another workload's data. Refused as ALREADY_EXISTS (the name exists, and not as one object this request
 * can be), naming both, until a person removes the claim that is wrong.
 */
import { KubeBackendError } from './ops-common.js';

interface Claim {
  readonly spec: { readonly nodeName: string };
  readonly metadata: { readonly name: string };
}

export type ClaimKind = 'ZfsVolume' | 'ZfsSnapshot';

const REMEDY: Record<ClaimKind, string> = {
  ZfsVolume: 'delete the ZfsVolume that should not carry it (with no DeleteVolume its data is kept, docs/import.md)',
  ZfsSnapshot: 'delete the ZfsSnapshot that should not carry it (without deletionRequested its ZFS snapshot is kept)',
};

export function soleClaim<T extends Claim>(name: string, claims: readonly T[], kind: ClaimKind = 'ZfsVolume'): T | undefined {
  if (claims.length <= 1) return claims[0];
  const who = claims.map((c) => `${c.metadata.name} on node ${c.spec.nodeName}`).sort();
  throw new KubeBackendError('ALREADY_EXISTS',
    `the name ${JSON.stringify(name)} is claimed by ${claims.length} ${kind}s (${who.join(', ')}); CO names must be unique in the cluster, `
    + `so neither is answered: ${REMEDY[kind]}`);
}

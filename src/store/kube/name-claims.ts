/**
 * Which volume a CO name resolves to (CSI CreateVolume idempotency). The controller makes one ZfsVolume per
 * name under its name lock, but an operator's import is checked only against its own node's resources
 * (the agent watches no others, docs/import.md), so two nodes can hold resources claiming one name. The
 * cache's order is no answer then: returning either could hand the CO another workload's data. Refused as
 * ALREADY_EXISTS (the name exists, and not as one volume this request can be), naming both, until a person
 * removes the claim that is wrong.
 */
import { KubeBackendError } from './ops-common.js';
import type { ControllerVolume } from './records.js';

export function soleClaim(name: string, claims: readonly ControllerVolume[]): ControllerVolume | undefined {
  if (claims.length <= 1) return claims[0];
  const who = [...claims].map((v) => `${v.spec.volumeId} on node ${v.spec.nodeName}`).sort();
  throw new KubeBackendError('ALREADY_EXISTS',
    `the name ${JSON.stringify(name)} is claimed by ${claims.length} ZfsVolumes (${who.join(', ')}); CO names must be unique in the cluster, `
    + 'so neither is answered: delete the ZfsVolume that should not carry it (with no DeleteVolume its data is kept, docs/import.md)');
}

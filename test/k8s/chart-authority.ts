/**
 * The chart's authority, enforced by the fake API server: the RBAC of rbac-controller.yaml and
 * rbac-node.yaml and the ValidatingAdmissionPolicy of admission-node.yaml, rendered from the chart as it
 * stands, plus tokens for the identities they name (the controller's ServiceAccount, and the node
 * ServiceAccount as seen through a pod-bound token of a pod on a given node). Whatever the code needs and
 * the chart does not grant fails here as it would on a cluster.
 */
import { randomBytes } from 'node:crypto';
import { asArray, asObj, renderTemplate, type Obj } from '../chart/chart.js';
import { AdmissionPolicies, RbacAuthorizer, serviceAccountUser, type FakeApiServer } from './fake-apiserver/index.js';

export interface ChartAuthority {
  /** The controller ServiceAccount's token. */
  readonly controllerToken: string;
  /** A pod-bound token of the node ServiceAccount for a pod on `node` (undefined: a token without the node claim). */
  nodeToken(node: string | undefined): string;
  readonly policies: AdmissionPolicies;
}

function boundServiceAccount(docs: readonly Obj[], bindingName: string): { namespace: string; name: string } {
  const binding = docs.find((d) => d['kind'] === 'ClusterRoleBinding' && asObj(d['metadata'], 'metadata')['name'] === bindingName);
  const subject = asArray(binding?.['subjects']).map((s) => asObj(s, 'subject')).find((s) => s['kind'] === 'ServiceAccount');
  if (subject === undefined) throw new Error(`the chart binds no ServiceAccount in ${bindingName}`);
  return { namespace: String(subject['namespace']), name: String(subject['name']) };
}

export function enforceChartAuthority(server: FakeApiServer, overrides: Obj = {}): ChartAuthority {
  const docs = [
    ...renderTemplate('rbac-controller.yaml', overrides), ...renderTemplate('rbac-node.yaml', overrides),
    ...renderTemplate('admission-node.yaml', overrides),
  ];
  server.rbac = RbacAuthorizer.fromDocuments(docs);
  const policies = AdmissionPolicies.fromDocuments(docs);
  server.admission = policies;
  const controller = boundServiceAccount(docs, 'zfs-csi-controller');
  const node = boundServiceAccount(docs, 'zfs-csi-node');
  const token = (): string => randomBytes(12).toString('hex');
  return {
    controllerToken: server.addIdentity(token(), serviceAccountUser(controller.namespace, controller.name)),
    nodeToken: (n) => server.addIdentity(token(), serviceAccountUser(node.namespace, node.name, n)),
    policies,
  };
}

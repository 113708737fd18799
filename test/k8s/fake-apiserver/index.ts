/** Public surface of the fake Kubernetes API server used by the Kubernetes-mode tests (DESIGN.md §6). */
export { FakeApiServer, type FakeApiServerOptions } from './server.js';
export { fakeKubeConfig, type KubeEndpoint } from './kubeconfig.js';
export {
  apiStatusOf, jsonPatchOptions, mergePatchClusterObject, mergePatchClusterObjectStatus, mergePatchOptions,
  type ApiStatusInfo, type ClusterObjectRef,
} from './client-helpers.js';
export {
  BUILTIN_RESOURCES, customResource, ZFS_CSI_GROUP, ZFS_CSI_RESOURCES, ZFS_CSI_VERSION,
  type ResourceType, type ResourceTypeSpec,
} from './resources.js';
export type { Fault, FaultSpec, RequestFilter, RequestRecord } from './faults.js';
export type { Json, JsonObject } from './json.js';
export { startKubeTarget, type KubeTarget } from './kube-target.js';
export { ADMIN, NODE_NAME_EXTRA, serviceAccountUser, type UserInfo } from './identity.js';
export { RbacAuthorizer } from './rbac.js';
export { AdmissionPolicies } from './admission.js';
export { CrdRules } from './crd-rules.js';

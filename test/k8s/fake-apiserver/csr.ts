/**
 * The API server's CertificateSigningRequest strategy (certificates.k8s.io/v1), as far as a signer can tell:
 * - create records who asked: spec.username, uid, groups and extra are taken from the caller's user info,
 *   whatever the body says (a pod-bound token's node name lands in extra, KEP-4193);
 * - the `approval` subresource changes only the Approved/Denied conditions, the `status` subresource
 *   everything else (certificate, Failed), never those two;
 * - the CertificateApproval / CertificateSigning admission plugins require `approve` / `sign` on the
 *   `signers` resource of certificates.k8s.io, named by the CSR's signerName or `<domain>/*`.
 * https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/
 */
import type { UserInfo } from './identity.js';
import { clone, isObject, stringAt, type JsonObject } from './json.js';
import type { RbacAuthorizer } from './rbac.js';
import type { ResourceTypeSpec } from './resources.js';
import { ApiError, badRequest } from './status.js';

export const CSR_RESOURCE: ResourceTypeSpec = {
  group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', kind: 'CertificateSigningRequest',
  namespaced: false, statusSubresource: true, requireResourceVersionOnUpdate: false, tracksGeneration: true,
  strategicMerge: true, subresources: ['status', 'approval'], strategy: 'csr',
};

const APPROVAL_TYPES = new Set(['Approved', 'Denied']);

function specOf(obj: JsonObject): JsonObject {
  const spec = obj['spec'];
  if (!isObject(spec)) throw badRequest('spec is required');
  return spec;
}

/** Create: the requester is the caller, never what the body claims. */
export function csrOnCreate(body: JsonObject, user: UserInfo): JsonObject {
  const obj = clone(body);
  const spec = specOf(obj);
  spec['username'] = user.username;
  spec['groups'] = [...user.groups];
  spec['extra'] = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
  if (user.uid === undefined) delete spec['uid'];
  else spec['uid'] = user.uid;
  delete obj['status'];
  return obj;
}

function conditionsOf(obj: JsonObject): JsonObject[] {
  const status = obj['status'];
  const list = isObject(status) ? status['conditions'] : undefined;
  return Array.isArray(list) ? list.filter(isObject) : [];
}

const isApproval = (c: JsonObject): boolean => APPROVAL_TYPES.has(stringAt(c, 'type') ?? '');

/** A write of one subresource: approval takes only Approved/Denied, status everything but them. */
export function csrSubresourceUpdate(old: JsonObject, incoming: JsonObject, subresource: 'status' | 'approval'): JsonObject {
  const next = clone(old);
  const oldStatus = isObject(old['status']) ? clone(old['status']) : {};
  const fromIncoming = conditionsOf(incoming).filter((c) => (subresource === 'approval' ? isApproval(c) : !isApproval(c)));
  const kept = conditionsOf(old).filter((c) => (subresource === 'approval' ? !isApproval(c) : isApproval(c)));
  const status: JsonObject = { ...oldStatus, conditions: [...kept, ...fromIncoming] };
  if (subresource === 'status') {
    const incomingStatus = isObject(incoming['status']) ? incoming['status'] : {};
    const certificate = stringAt(incomingStatus, 'certificate');
    if (certificate !== undefined) {
      const approved = kept.some((c) => stringAt(c, 'type') === 'Approved');
      const denied = kept.some((c) => stringAt(c, 'type') === 'Denied');
      if (!approved || denied) throw new ApiError(422, 'Invalid', 'status.certificate: Forbidden: certificate can only be set on an approved, not denied request');
      const previous = stringAt(oldStatus, 'certificate');
      if (previous !== undefined && previous !== certificate) throw new ApiError(422, 'Invalid', 'status.certificate: Forbidden: updates may not modify existing certificate content');
      status['certificate'] = certificate;
    }
  }
  next['status'] = status;
  return next;
}

/** The admission plugins' check: `verb` on signers/<signerName> or signers/<domain>/*. */
export function checkSignerPermission(rbac: RbacAuthorizer | undefined, user: UserInfo, verb: 'approve' | 'sign', obj: JsonObject): void {
  if (rbac === undefined) return;
  const signerName = stringAt(specOf(obj), 'signerName') ?? '';
  const domain = signerName.split('/')[0] ?? '';
  const allowed = [signerName, `${domain}/*`].some((name) =>
    rbac.allows(user, { verb, apiGroup: 'certificates.k8s.io', resource: 'signers', namespace: undefined, name }));
  if (!allowed) {
    throw new ApiError(403, 'Forbidden', `user not permitted to ${verb} requests with signerName "${signerName}"`);
  }
}

/**
 * Who a request is: bearer tokens mapped to Kubernetes user info (username, groups, extra), the way the
 * API server's authenticators hand it to authorization and admission. A pod-bound service-account token
 * carries the pod's node in `extra['authentication.kubernetes.io/node-name']` (KEP-4193,
 * ServiceAccountTokenPodNodeInfo, on by default since Kubernetes 1.30).
 */

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';

/** The cluster administrator: what the default token authenticates as; RBAC lets it do anything. */
export const ADMIN: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], extra: {} };

/** A service account's user, optionally as seen through a pod-bound token of a pod on `node`. */
export function serviceAccountUser(namespace: string, name: string, node?: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra: node === undefined ? {} : { [NODE_NAME_EXTRA]: [node] },
  };
}

export class Identities {
  readonly #byToken = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    this.#byToken.set(token, user);
  }

  remove(token: string): void {
    this.#byToken.delete(token);
  }

  /** The user of an Authorization header, or undefined (401). */
  authenticate(header: string | undefined): UserInfo | undefined {
    const m = /^Bearer (\S+)$/.exec(header ?? '');
    return m?.[1] === undefined ? undefined : this.#byToken.get(m[1]);
  }
}

/**
 * The controller's transfer signer (docs/replication.md "Certificates"): on when a requester is named. The
 * chart sets all three only with node.transfer.certificates=signer.
 */
export interface SignerConfig {
  /** The only user whose CSRs can be signed: `system:serviceaccount:<namespace>:<node ServiceAccount>`. */
  readonly requester: string;
  /** Secret (in POD_NAMESPACE) holding the CA; the chart makes it empty, the leader fills it once. */
  readonly caSecret: string;
  /** ConfigMap (in POD_NAMESPACE) where the CA certificate is published for the nodes. */
  readonly caConfigMap: string;
}

export const SIGNER_FLAGS = {
  'transfer-signer-requester': { env: 'ZFS_CSI_TRANSFER_SIGNER_REQUESTER', help: 'controller mode: sign transfer certificates for this node ServiceAccount user (system:serviceaccount:NS:NAME)' },
  'transfer-ca-secret': { env: 'ZFS_CSI_TRANSFER_CA_SECRET', help: 'controller mode: Secret (in POD_NAMESPACE) that holds the transfer CA' },
} as const;
type SignerFlag = keyof typeof SIGNER_FLAGS | 'transfer-ca-configmap';

const SA_USER = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function parseSignerConfig(get: (flag: SignerFlag) => string | undefined, mode: string | undefined, problems: string[]): SignerConfig | undefined {
  const requester = get('transfer-signer-requester');
  const caSecret = get('transfer-ca-secret');
  if (requester === undefined && caSecret === undefined) return undefined;
  if (mode !== 'controller') {
    problems.push('--transfer-signer-requester and --transfer-ca-secret are for controller mode');
    return undefined;
  }
  const caConfigMap = get('transfer-ca-configmap') ?? '';
  if (requester === undefined || !SA_USER.test(requester)) problems.push('--transfer-signer-requester must be system:serviceaccount:NAMESPACE:NAME');
  if (caSecret === undefined || caSecret === '') problems.push('the transfer signer needs --transfer-ca-secret');
  if (caConfigMap === '') problems.push('the transfer signer needs --transfer-ca-configmap');
  return { requester: requester ?? '', caSecret: caSecret ?? '', caConfigMap };
}

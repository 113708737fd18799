/**
 * The controller's transfer signer (docs/replication.md "Certificates"): on when a requester is named. The
 * chart sets these only with node.transfer.certificates=signer (the driver's own CA issues) or certManager
 * (cert-manager issues; the controller only judges and approves).
 */
import { SIGNER_NAME, transferSignerName } from '../store/kube/csr.js';

export interface SignerConfig {
  /** The only user whose CSRs can be approved: `system:serviceaccount:<namespace>:<node ServiceAccount>`. */
  readonly requester: string;
  /** The signerName judged; the driver's own `<driver>/transfer` unless an external one is named. */
  readonly signerName: string;
  /**
   * The driver's own CA: the Secret (in POD_NAMESPACE) holding it, which the chart makes empty and the leader
   * fills once, and the ConfigMap it is published in. Undefined: an external signer issues.
   */
  readonly ca: { readonly secret: string; readonly configMap: string } | undefined;
}

export const SIGNER_FLAGS = {
  'transfer-signer-requester': { env: 'ZFS_CSI_TRANSFER_SIGNER_REQUESTER', help: 'controller mode: approve transfer certificates for this node ServiceAccount user (system:serviceaccount:NS:NAME)' },
  'transfer-ca-secret': { env: 'ZFS_CSI_TRANSFER_CA_SECRET', help: 'controller mode: Secret (in POD_NAMESPACE) that holds the transfer CA (the driver\'s own signer only)' },
} as const;
type SignerFlag = keyof typeof SIGNER_FLAGS | 'transfer-ca-configmap' | 'transfer-signer-name';

const SA_USER = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function parseSignerConfig(
  get: (flag: SignerFlag) => string | undefined, mode: string | undefined, driverName: string, problems: string[],
): SignerConfig | undefined {
  const requester = get('transfer-signer-requester');
  const caSecret = get('transfer-ca-secret');
  const named = get('transfer-signer-name');
  if (requester === undefined && caSecret === undefined) {
    if (named !== undefined && mode === 'controller') problems.push('--transfer-signer-name needs --transfer-signer-requester, the node ServiceAccount it approves for');
    return undefined;
  }
  if (mode !== 'controller') {
    problems.push('--transfer-signer-requester and --transfer-ca-secret are for controller mode');
    return undefined;
  }
  if (requester === undefined || !SA_USER.test(requester)) problems.push('--transfer-signer-requester must be system:serviceaccount:NAMESPACE:NAME');
  const own = transferSignerName(driverName);
  const signerName = named ?? own;
  if (!SIGNER_NAME.test(signerName)) problems.push(`--transfer-signer-name must be DOMAIN/PATH (got ${JSON.stringify(signerName)})`);
  if (signerName !== own) {
    // cert-manager (or another signer) holds the CA: a Secret here would be a second, unused CA.
    if (caSecret !== undefined || get('transfer-ca-configmap') !== undefined) {
      problems.push(`--transfer-ca-secret and --transfer-ca-configmap are for the driver's own signer ${own}; ${signerName} issues with its own CA`);
    }
    return { requester: requester ?? '', signerName, ca: undefined };
  }
  const caConfigMap = get('transfer-ca-configmap') ?? '';
  if (caSecret === undefined || caSecret === '') problems.push('the transfer signer needs --transfer-ca-secret');
  if (caConfigMap === '') problems.push('the transfer signer needs --transfer-ca-configmap');
  return { requester: requester ?? '', signerName, ca: { secret: caSecret ?? '', configMap: caConfigMap } };
}

/**
 * The transfer CA of the signer (docs/replication.md "Certificates"). The chart makes an empty Secret and an
 * empty ConfigMap; the leader fills the Secret with a new CA the first time (so no key ever sits in Helm
 * values or in a rendered manifest, and `helm template`/GitOps renders do not regenerate it, as `genCA`
 * with `lookup` would), and publishes the CA certificate in the ConfigMap, where nodes read it. The
 * Secret's resourceVersion guards the fill: two leaders in a hand-over cannot make two CAs.
 */
import { loadCa, makeCa, type CertificateAuthority } from '../../transfer/x509.js';
import type { CertificatesApi } from './certificates-api.js';
import { KubeError } from './api.js';

export const CA_CERT_KEY = 'ca.crt';
const CA_KEY_KEY = 'ca.key';
/** Ten years: rotation is a documented manual step (docs/replication.md), not a surprise. */
const CA_VALID_DAYS = 3650;

export interface TransferCaRef {
  readonly namespace: string;
  readonly secret: string;
  readonly configMap: string;
}

/** Loads the CA from its Secret, making it on first use; then makes sure the ConfigMap shows it. */
export async function ensureTransferCa(api: CertificatesApi, ref: TransferCaRef): Promise<CertificateAuthority> {
  const ca = await loadOrMake(api, ref);
  if (await api.configMapValue(ref.namespace, ref.configMap, CA_CERT_KEY) !== ca.certPem) {
    await api.setConfigMapValue(ref.namespace, ref.configMap, CA_CERT_KEY, ca.certPem);
  }
  return ca;
}

async function loadOrMake(api: CertificatesApi, ref: TransferCaRef): Promise<CertificateAuthority> {
  for (let attempt = 0; ; attempt++) {
    const secret = await api.secretData(ref.namespace, ref.secret);
    if (secret === undefined) {
      throw new KubeError('FAILED_PRECONDITION', `the transfer CA Secret ${ref.namespace}/${ref.secret} does not exist (the chart makes it with node.transfer.certificates=signer)`, 404);
    }
    const cert = secret.data[CA_CERT_KEY];
    const key = secret.data[CA_KEY_KEY];
    if (cert !== undefined && cert !== '' && key !== undefined && key !== '') return loadCa(cert, key);
    const made = await makeCa(`zfs-csi transfer CA ${ref.namespace}`, CA_VALID_DAYS);
    try {
      await api.fillSecret(ref.namespace, ref.secret, secret.resourceVersion, { [CA_CERT_KEY]: made.certPem, [CA_KEY_KEY]: made.key.pem });
      return made;
    } catch (err) {
      // Someone filled it first (409): read theirs.
      if (!(err instanceof KubeError && err.httpStatus === 409) || attempt > 2) throw err;
    }
  }
}

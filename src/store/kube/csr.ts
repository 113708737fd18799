/**
 * certificates.k8s.io/v1 CertificateSigningRequest, as much of it as the transfer signer and the node
 * agent read, decoded from `unknown`. `spec.request` and `status.certificate` are `[]byte` in the API,
 * so base64 in JSON; they are PEM inside.
 * https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/certificate-signing-request-v1/
 */

/** The usages a transfer certificate is asked for and issued with (TLS client and server, tls.ts). */
export const TRANSFER_USAGES = ['digital signature', 'key encipherment', 'client auth', 'server auth'] as const;

/** The node name a pod-bound service-account token carries in the user's extra (KEP-4193, ≥ 1.30). */
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';

/** The signer of transfer certificates: one per driver name, so two installs never judge each other's. */
export const transferSignerName = (driverName: string): string => `${driverName}/transfer`;

/**
 * A signerName as the API server accepts it: a domain with at least one dot, `/`, a path. Another signer
 * than the driver's own is an external one, e.g. cert-manager's `clusterissuers.cert-manager.io/<name>`
 * (https://cert-manager.io/docs/usage/kube-csr/): it issues, the controller only approves.
 */
export const SIGNER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[^\s/][^\s]*$/;

export interface Csr {
  readonly name: string;
  readonly resourceVersion: string;
  readonly signerName: string;
  /** PEM of the PKCS#10 request. */
  readonly request: string;
  readonly usages: readonly string[];
  readonly expirationSeconds: number | undefined;
  /** Set by the API server from the creator's credentials, never by the creator. */
  readonly username: string;
  readonly extra: Readonly<Record<string, readonly string[]>>;
  readonly conditions: readonly { readonly type: string; readonly reason: string; readonly message: string }[];
  /** PEM, once signed. */
  readonly certificate: string | undefined;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj | undefined, k: string): string | undefined => (o !== undefined && typeof o[k] === 'string' ? o[k] : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const fromBase64 = (v: string | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));

function extraOf(v: unknown): Record<string, string[]> {
  if (!isObj(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strings(x)]));
}

/** A CSR, or undefined when it lacks what every CSR has (name, signerName, request). */
export function decodeCsr(raw: unknown): Csr | undefined {
  if (!isObj(raw)) return undefined;
  const meta = isObj(raw['metadata']) ? raw['metadata'] : undefined;
  const spec = isObj(raw['spec']) ? raw['spec'] : undefined;
  const status = isObj(raw['status']) ? raw['status'] : undefined;
  const name = str(meta, 'name');
  const signerName = str(spec, 'signerName');
  const request = fromBase64(str(spec, 'request'));
  if (name === undefined || signerName === undefined || request === undefined) return undefined;
  const expiration = spec?.['expirationSeconds'];
  return {
    name, signerName, request,
    resourceVersion: str(meta, 'resourceVersion') ?? '',
    usages: strings(spec?.['usages']),
    expirationSeconds: typeof expiration === 'number' ? expiration : undefined,
    username: str(spec, 'username') ?? '',
    extra: extraOf(spec?.['extra']),
    conditions: (Array.isArray(status?.['conditions']) ? status['conditions'] : []).filter(isObj).map((c) => ({
      type: str(c, 'type') ?? '', reason: str(c, 'reason') ?? '', message: str(c, 'message') ?? '',
    })),
    certificate: fromBase64(str(status, 'certificate')),
  };
}

const hasCondition = (csr: Csr, type: string): boolean => csr.conditions.some((c) => c.type === type);

/** Where a request stands: a signer acts on pending and approved-but-unsigned ones only. */
export function csrState(csr: Csr): 'pending' | 'approved' | 'issued' | 'denied' | 'failed' {
  if (hasCondition(csr, 'Denied')) return 'denied';
  if (hasCondition(csr, 'Failed')) return 'failed';
  if (csr.certificate !== undefined && csr.certificate !== '') return 'issued';
  return hasCondition(csr, 'Approved') ? 'approved' : 'pending';
}

/** The reason and message of a Denied or Failed condition. */
export function refusalOf(csr: Csr): string | undefined {
  const c = csr.conditions.find((x) => x.type === 'Denied' || x.type === 'Failed');
  return c && `${c.type} (${c.reason}): ${c.message}`;
}

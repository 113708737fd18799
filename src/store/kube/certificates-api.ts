/**
 * The API calls of transfer certificates: CertificateSigningRequests (cluster-scoped) and the two
 * namespaced objects of the signer, its CA Secret and the CA bundle ConfigMap. Answers are `unknown`,
 * decoded by the callers; failures become KubeErrors as in api.ts.
 */
import {
  CertificatesV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig,
} from '@kubernetes/client-node';
import { toKubeError } from './api.js';

const MERGE = (): ReturnType<typeof setHeaderOptions> => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface CsrBody {
  readonly generateName: string;
  readonly signerName: string;
  /** PEM; sent base64 as the API's []byte. */
  readonly request: string;
  readonly usages: readonly string[];
  readonly expirationSeconds: number;
}

export class CertificatesApi {
  private readonly certs: CertificatesV1Api;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.certs = kc.makeApiClient(CertificatesV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async createCsr(b: CsrBody): Promise<unknown> {
    try {
      return (await this.certs.createCertificateSigningRequest({
        body: {
          apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
          metadata: { generateName: b.generateName },
          spec: { signerName: b.signerName, request: Buffer.from(b.request).toString('base64'), usages: [...b.usages], expirationSeconds: b.expirationSeconds },
        },
      })) as unknown;
    } catch (err) {
      throw toKubeError(err, 'create certificatesigningrequest');
    }
  }

  async getCsr(name: string): Promise<unknown> {
    try {
      return (await this.certs.readCertificateSigningRequest({ name })) as unknown;
    } catch (err) {
      throw toKubeError(err, `get certificatesigningrequest ${name}`);
    }
  }

  /** Every CSR for one signer (a field selector the API server supports for CSRs). */
  async listCsrs(signerName: string): Promise<readonly unknown[]> {
    try {
      const list = (await this.certs.listCertificateSigningRequest({ fieldSelector: `spec.signerName=${signerName}` })) as unknown;
      const items = typeof list === 'object' && list !== null ? (list as { items?: unknown }).items : undefined;
      return Array.isArray(items) ? (items as unknown[]) : [];
    } catch (err) {
      throw toKubeError(err, 'list certificatesigningrequests');
    }
  }

  /** Adds an Approved or Denied condition (the approval subresource; `approve` on the signer needed). */
  async decide(name: string, resourceVersion: string, type: 'Approved' | 'Denied', reason: string, message: string): Promise<void> {
    const condition = { type, status: 'True', reason, message: message.slice(0, 1024), lastUpdateTime: new Date() };
    try {
      const current = await this.certs.readCertificateSigningRequest({ name });
      await this.certs.replaceCertificateSigningRequestApproval({
        name,
        body: { ...current, metadata: { ...current.metadata, resourceVersion }, status: { ...current.status, conditions: [...(current.status?.conditions ?? []), condition] } },
      });
    } catch (err) {
      throw toKubeError(err, `${type === 'Approved' ? 'approve' : 'deny'} certificatesigningrequest ${name}`);
    }
  }

  /** Sets status.certificate (the status subresource; `sign` on the signer needed). */
  async sign(name: string, certificatePem: string): Promise<void> {
    try {
      await this.certs.patchCertificateSigningRequestStatus({ name, body: { status: { certificate: Buffer.from(certificatePem).toString('base64') } } }, MERGE());
    } catch (err) {
      throw toKubeError(err, `sign certificatesigningrequest ${name}`);
    }
  }

  /** The data of a Secret (base64-decoded), or undefined when it does not exist. */
  async secretData(namespace: string, name: string): Promise<{ data: Record<string, string>; resourceVersion: string } | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace, name });
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      return { data, resourceVersion: s.metadata?.resourceVersion ?? '' };
    } catch (err) {
      const e = toKubeError(err, `get secret ${namespace}/${name}`);
      if (e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  /** Fills a Secret that the chart made empty; the resourceVersion makes a second writer fail (409). */
  async fillSecret(namespace: string, name: string, resourceVersion: string, data: Record<string, string>): Promise<void> {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    try {
      await this.core.patchNamespacedSecret({ namespace, name, body: { metadata: { resourceVersion }, data: encoded } }, MERGE());
    } catch (err) {
      throw toKubeError(err, `write secret ${namespace}/${name}`);
    }
  }

  /** One key of a ConfigMap, or undefined when the ConfigMap or the key is absent. */
  async configMapValue(namespace: string, name: string, key: string): Promise<string | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ namespace, name });
      return cm.data?.[key];
    } catch (err) {
      const e = toKubeError(err, `get configmap ${namespace}/${name}`);
      if (e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  async setConfigMapValue(namespace: string, name: string, key: string, value: string): Promise<void> {
    try {
      await this.core.patchNamespacedConfigMap({ namespace, name, body: { data: { [key]: value } } }, MERGE());
    } catch (err) {
      throw toKubeError(err, `write configmap ${namespace}/${name}`);
    }
  }
}

/**
 * A node's transfer certificate from the controller's signer, or cert-manager's after the controller approved
 * the request (docs/replication.md "Certificates"): the
 * agent makes its own EC P-256 key (it never leaves the pod: kept 0600 in the --tls-key file, on the
 * chart's memory-backed volume, so a container restart reuses it), asks with a CertificateSigningRequest
 * (CN = node name, no SANs: peers are checked by CN, tls.ts) under its pod-bound token, and trusts the CA
 * the controller publishes in a ConfigMap: the trust anchor comes from a source of its own, not from the
 * answer it is checking. It renews at 2/3 of the certificate's life and hands the new one to the TLS
 * server and sender through `subscribe`.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import type { CertificatesApi } from '../store/kube/certificates-api.js';
import { csrState, decodeCsr, refusalOf, TRANSFER_USAGES } from '../store/kube/csr.js';
import { TransferError } from '../transfer/errors.js';
import type { TlsFiles, TlsMaterial } from '../transfer/tls.js';
import { generateKey, importKey, makeCsr, type KeyPair } from '../transfer/x509.js';

export interface SignedCertificateOptions {
  readonly api: CertificatesApi;
  readonly node: string;
  readonly signerName: string;
  /** Where the CA ConfigMap lives (the pod's namespace) and its name; the CA is under ca.crt. */
  readonly namespace: string;
  readonly caConfigMap: string;
  /** Where key, certificate and CA are kept. */
  readonly files: TlsFiles;
  readonly seconds: number;
  readonly log: Logger;
  /** Between reads of a pending CSR; default 1 s. */
  readonly pollMs?: number;
  /** A CSR unanswered for this long is given up and asked again; default 5 min. */
  readonly answerTimeoutMs?: number;
  /** After a failed attempt; default 10 s. */
  readonly retryMs?: number;
  /** Wall clock (ms since the epoch); default Date.now. Tests move it. */
  readonly now?: () => number;
  /** How often the wait for renewal looks at the wall clock again; default 60 s. */
  readonly clockCheckMs?: number;
}

interface Current { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer; readonly notBefore: number; readonly notAfter: number }

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  const t = setTimeout(done, ms);
  function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/** Checks what a certificate must be for this node: its CN, this key, signed by the published CA. */
function check(certPem: string, key: KeyPair, caPem: string, node: string): X509Certificate {
  const cert = new X509Certificate(certPem);
  const cn = cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3);
  if (cn !== node) throw new TransferError('FAILED_PRECONDITION', `the issued certificate is for ${JSON.stringify(cn ?? '')}, not ${node}`);
  if (!cert.checkPrivateKey(createKeyObject(key))) throw new TransferError('FAILED_PRECONDITION', 'the issued certificate is not for this node\'s key');
  if (!cert.verify(new X509Certificate(caPem).publicKey)) throw new TransferError('FAILED_PRECONDITION', 'the certificate is not signed by the published transfer CA');
  return cert;
}

const createKeyObject = (key: KeyPair): KeyObject => createPrivateKey(key.pem);

export class SignedCertificate implements TlsMaterial {
  #current: Current | undefined;
  #key: KeyPair | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #stop = new AbortController();
  #ready: Promise<void> | undefined;
  #renewal: Promise<void> = Promise.resolve();

  constructor(private readonly o: SignedCertificateOptions) {}

  get cert(): Buffer { return this.#now().cert; }
  get key(): Buffer { return this.#now().key; }
  get ca(): Buffer { return this.#now().ca; }
  get identity(): string { return this.o.node; }
  /** When the current certificate expires (ms since the epoch); undefined before the first. */
  get notAfter(): number | undefined { return this.#current?.notAfter; }

  subscribe = (onChange: () => void): (() => void) => {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  };

  /** Resolves once a certificate is in hand (retrying until then), and keeps renewing it afterwards. */
  ready(): Promise<void> {
    this.#ready ??= this.#firstCertificate().then(() => {
      this.#renewal = this.#renewLoop();
    });
    return this.#ready;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#ready?.catch(() => undefined);
    await this.#renewal;
  }

  #now(): Current {
    if (this.#current === undefined) throw new TransferError('UNAVAILABLE', 'the transfer certificate has not been issued yet');
    return this.#current;
  }

  async #firstCertificate(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        this.#key ??= await this.#loadOrMakeKey();
        const ca = await this.#caBundle();
        const kept = await this.#keptCertificate(this.#key, ca);
        await this.#use(kept ?? await this.#request(this.#key, ca), this.#key, ca);
        return;
      } catch (err) {
        this.o.log.warn('no transfer certificate yet; retrying', { error: describeError(err).message });
        await sleep(this.o.retryMs ?? 10_000, signal);
      }
    }
    throw new TransferError('ABORTED', 'stopped before a transfer certificate was issued');
  }

  #clock(): number {
    return (this.o.now ?? Date.now)();
  }

  async #renewLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted && this.#current !== undefined && this.#key !== undefined) {
      const { notBefore, notAfter } = this.#current;
      const renewAt = notBefore + ((notAfter - notBefore) * 2) / 3;
      // Validity is wall-clock time, timers are monotonic: a suspended VM or a stepped clock would make one
      // long timer fire after the certificate expired, so the wait looks at the clock again every minute.
      while (!signal.aborted && this.#clock() < renewAt) {
        await sleep(Math.min(renewAt - this.#clock(), this.o.clockCheckMs ?? 60_000), signal);
      }
      while (!signal.aborted) {
        try {
          const ca = await this.#caBundle();
          await this.#use(await this.#request(this.#key, ca), this.#key, ca);
          break;
        } catch (err) {
          this.o.log.warn('transfer certificate renewal failed; retrying', { error: describeError(err).message, expires: new Date(notAfter).toISOString() });
          await sleep(this.o.retryMs ?? 10_000, signal);
        }
      }
    }
  }

  async #loadOrMakeKey(): Promise<KeyPair> {
    const pem = await readFile(this.o.files.key, 'utf8').catch(() => undefined);
    if (pem !== undefined) {
      try {
        return await importKey(pem);
      } catch (err) {
        this.o.log.warn('the kept transfer key is unusable; making a new one', { error: describeError(err).message });
      }
    }
    const key = await generateKey();
    await writeAtomic(this.o.files.key, key.pem, 0o600);
    return key;
  }

  async #caBundle(): Promise<string> {
    const ca = await this.o.api.configMapValue(this.o.namespace, this.o.caConfigMap, 'ca.crt');
    if (ca === undefined || ca === '') throw new TransferError('UNAVAILABLE', `the controller has not published the transfer CA in ConfigMap ${this.o.namespace}/${this.o.caConfigMap} yet`);
    return ca;
  }

  /** The certificate kept from before a restart, when it still fits and has more than 1/3 of its life left. */
  async #keptCertificate(key: KeyPair, ca: string): Promise<string | undefined> {
    const pem = await readFile(this.o.files.cert, 'utf8').catch(() => undefined);
    if (pem === undefined) return undefined;
    try {
      const cert = check(pem, key, ca, this.o.node);
      const from = Date.parse(cert.validFrom);
      const to = Date.parse(cert.validTo);
      return this.#clock() < from + ((to - from) * 2) / 3 ? pem : undefined;
    } catch {
      return undefined;
    }
  }

  async #request(key: KeyPair, ca: string): Promise<string> {
    const created = decodeCsr(await this.o.api.createCsr({
      generateName: `${this.o.node.slice(0, 200)}-transfer-`, signerName: this.o.signerName,
      request: await makeCsr(this.o.node, key), usages: TRANSFER_USAGES, expirationSeconds: this.o.seconds,
    }));
    if (created === undefined) throw new TransferError('INTERNAL', 'the API server answered the CSR create with something that is not a CSR');
    this.o.log.info('asked for a transfer certificate', { csr: created.name, signer: this.o.signerName });
    const deadline = Date.now() + (this.o.answerTimeoutMs ?? 300_000);
    while (Date.now() < deadline && !this.#stop.signal.aborted) {
      const csr = decodeCsr(await this.o.api.getCsr(created.name));
      const state = csr && csrState(csr);
      if (csr !== undefined && state === 'issued' && csr.certificate !== undefined) {
        check(csr.certificate, key, ca, this.o.node);
        return csr.certificate;
      }
      if (csr !== undefined && (state === 'denied' || state === 'failed')) {
        throw new TransferError('FAILED_PRECONDITION', `transfer certificate request ${created.name} was ${refusalOf(csr) ?? state}`);
      }
      await sleep(this.o.pollMs ?? 1000, this.#stop.signal);
    }
    throw new TransferError('DEADLINE_EXCEEDED', `transfer certificate request ${created.name} of signer ${this.o.signerName} was not answered in time (is the controller running with node.transfer.certificates=signer or certManager, and for certManager, cert-manager with its CertificateSigningRequest feature gate?)`);
  }

  async #use(certPem: string, key: KeyPair, ca: string): Promise<void> {
    const cert = check(certPem, key, ca, this.o.node);
    await writeAtomic(this.o.files.cert, certPem, 0o644);
    await writeAtomic(this.o.files.ca, ca, 0o644);
    this.#current = {
      cert: Buffer.from(certPem), key: Buffer.from(key.pem), ca: Buffer.from(ca),
      notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo),
    };
    this.o.log.info('transfer certificate in use', { node: this.o.node, expires: cert.validTo });
    for (const l of this.#listeners) l();
  }
}

/** Write then rename, so a crash leaves the old file or the new one, never half of one. */
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true }); // a left-over file would keep its old mode
  await writeFile(tmp, text, { mode, flag: 'wx' });
  await rename(tmp, path);
}

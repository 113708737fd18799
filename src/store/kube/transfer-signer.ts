/**
 * The controller's signer for transfer certificates (`<driver name>/transfer`, docs/replication.md): the
 * leader lists the CSRs of that signer, approves and signs those csr-policy.ts accepts and denies the rest
 * with the reason. CSRs of any other signer are never touched (the list is by signerName, and decide()
 * ignores others). With an external signer (node.transfer.certificates=certManager) the same policy approves
 * and the external signer issues. Polling, not a watch: CSRs are rare (one per node per renewal) and a list every few
 * seconds is what a node waits for at most. Kubernetes removes old CSRs itself (csrcleaner).
 */
import type { Logger } from 'winston';
import { describeError } from '../../domain/errors.js';
import type { CertificateAuthority } from '../../transfer/x509.js';
import { issue } from '../../transfer/x509.js';
import type { CertificatesApi } from './certificates-api.js';
import { csrState, decodeCsr, type Csr } from './csr.js';
import { decide, type SignerPolicy } from './csr-policy.js';
import { ensureTransferCa, type TransferCaRef } from './transfer-ca.js';

/** Lifetimes: what a request without expirationSeconds gets, and the most any gets. */
export const DEFAULT_CERT_SECONDS = 24 * 3600;
export const MAX_CERT_SECONDS = 30 * 24 * 3600;
/** The API server's own floor for spec.expirationSeconds. */
const MIN_CERT_SECONDS = 600;

export interface TransferSignerOptions {
  readonly api: CertificatesApi;
  readonly policy: SignerPolicy;
  /**
   * The driver's own CA: this signer approves and issues. Undefined: an external signer (cert-manager's
   * `clusterissuers.cert-manager.io/<name>`) issues what is approved, so this one only judges and approves,
   * and leaves alone the CSRs of other requesters (an issuer may be shared with other workloads).
   */
  readonly ca: TransferCaRef | undefined;
  readonly log: Logger;
  /** Only the leader signs. */
  readonly mayWrite: () => boolean;
  /** Between lists; default 2 s. */
  readonly intervalMs?: number;
}

export const certificateSeconds = (requested: number | undefined): number =>
  Math.max(MIN_CERT_SECONDS, Math.min(requested ?? DEFAULT_CERT_SECONDS, MAX_CERT_SECONDS));

export class TransferSigner {
  #timer: NodeJS.Timeout | undefined;
  #ca: CertificateAuthority | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(private readonly o: TransferSignerOptions) {}

  start(): void {
    if (this.#timer !== undefined) return;
    const tick = (): void => {
      this.#running = this.#running.then(() => this.pass()).catch((err: unknown) => {
        this.o.log.warn('transfer signer pass failed; retrying', { error: describeError(err).message });
      });
    };
    tick();
    this.#timer = setInterval(tick, this.o.intervalMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One list of this signer's CSRs and a decision on each open one (tests call it directly). */
  async pass(): Promise<void> {
    if (!this.o.mayWrite()) {
      this.#ca = undefined; // a later leadership reads the Secret again
      return;
    }
    const ref = this.o.ca;
    if (ref !== undefined) this.#ca ??= await ensureTransferCa(this.o.api, ref);
    for (const raw of await this.o.api.listCsrs(this.o.policy.signerName)) {
      const csr = decodeCsr(raw);
      if (csr === undefined || csr.signerName !== this.o.policy.signerName) continue;
      const state = csrState(csr);
      if (state === 'pending' || (state === 'approved' && this.#ca !== undefined)) await this.#settle(csr, state, this.#ca);
    }
  }

  async #settle(csr: Csr, state: 'pending' | 'approved', ca: CertificateAuthority | undefined): Promise<void> {
    if (ca === undefined && csr.username !== this.o.policy.requester) return;
    const decision = await decide(csr, this.o.policy);
    if (decision.verdict === 'ignore') return;
    if (decision.verdict === 'deny') {
      // Approved by someone else but not acceptable: leave it unsigned; only a pending one can be Denied.
      if (state === 'pending') await this.o.api.decide(csr.name, csr.resourceVersion, 'Denied', decision.reason, decision.message);
      this.o.log.warn('transfer certificate request refused', { csr: csr.name, requester: csr.username, reason: decision.reason, message: decision.message });
      return;
    }
    if (state === 'pending') {
      await this.o.api.decide(csr.name, csr.resourceVersion, 'Approved', 'NodeIdentityVerified', `the requester's token is bound to a pod on ${decision.node}`);
    }
    if (ca === undefined) {
      this.o.log.info('transfer certificate request approved for the external signer', { csr: csr.name, node: decision.node, signer: csr.signerName });
      return;
    }
    const seconds = certificateSeconds(csr.expirationSeconds);
    await this.o.api.sign(csr.name, await issue(ca, decision.facts, seconds));
    this.o.log.info('transfer certificate issued', { csr: csr.name, node: decision.node, seconds });
  }
}

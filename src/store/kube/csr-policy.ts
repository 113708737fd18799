/**
 * The transfer signer's decision (docs/replication.md "Certificates"): a certificate for node N is issued
 * only to the node ServiceAccount of this release, presenting a pod-bound token of a pod on N. All nodes
 * share that ServiceAccount, so RBAC cannot stop node-b from asking for CN=node-a; the token's node claim
 * (`authentication.kubernetes.io/node-name` in the requester's extra, set by the API server, KEP-4193) can.
 * Pure: the controller loop (transfer-signer.ts) applies what this returns.
 */
import { parseCsr, type CsrFacts } from '../../transfer/x509.js';
import { NODE_NAME_EXTRA, TRANSFER_USAGES, type Csr } from './csr.js';

export interface SignerPolicy {
  readonly signerName: string;
  /** `system:serviceaccount:<namespace>:<node ServiceAccount>`. */
  readonly requester: string;
}

export type Decision =
  | { readonly verdict: 'ignore' }
  | { readonly verdict: 'deny'; readonly reason: string; readonly message: string }
  | { readonly verdict: 'approve'; readonly node: string; readonly facts: CsrFacts };

/** Node keys the signer accepts: what the agent makes (EC P-256), or RSA of 2048 bits and more. */
function keyAllowed(key: string): boolean {
  const rsa = /^rsa-(\d+)$/.exec(key);
  return key === 'ec-P-256' || (rsa !== null && Number(rsa[1]) >= 2048);
}

const deny = (reason: string, message: string): Decision => ({ verdict: 'deny', reason, message });

/** Who asks: the release's node ServiceAccount, through a token bound to a pod on exactly one node. */
function requesterProblem(csr: Csr, policy: SignerPolicy): Decision | string {
  if (csr.username !== policy.requester) {
    return deny('WrongRequester', `requested by ${JSON.stringify(csr.username)}, not the node ServiceAccount ${JSON.stringify(policy.requester)}`);
  }
  const nodes = csr.extra[NODE_NAME_EXTRA] ?? [];
  const node = nodes[0];
  if (nodes.length !== 1 || node === undefined || node === '') {
    return deny('NoNodeClaim', `the requester's token names no node (${NODE_NAME_EXTRA}): a pod-bound service-account token of Kubernetes ≥ 1.30 is needed`);
  }
  return node;
}

function usagesProblem(csr: Csr): Decision | undefined {
  const asked = [...csr.usages].sort();
  const allowed = [...TRANSFER_USAGES].sort();
  if (asked.length === allowed.length && asked.every((u, i) => u === allowed[i])) return undefined;
  return deny('WrongUsages', `usages must be exactly ${allowed.join(', ')} (got ${asked.join(', ') || 'none'})`);
}

/** What the request itself says: self-signed, subject CN=<node> only, no extensions, an allowed key. */
function requestProblem(facts: CsrFacts, node: string): Decision | undefined {
  if (!facts.signatureValid) return deny('BadRequest', 'the PKCS#10 self-signature does not verify');
  if (facts.subject.length !== 1 || facts.commonName !== node) {
    return deny('WrongNode', `the request's subject is ${JSON.stringify(facts.subject.join(', '))}; a token of node ${JSON.stringify(node)} may ask only for CN=${node}`);
  }
  if (facts.extensions.length > 0) return deny('ExtensionsNotAllowed', `the request asks for extensions (${facts.extensions.join(', ')}); peers are checked by CN only`);
  if (!keyAllowed(facts.key)) return deny('WeakKey', `key ${facts.key} is not EC P-256 or RSA ≥ 2048`);
  return undefined;
}

export async function decide(csr: Csr, policy: SignerPolicy): Promise<Decision> {
  if (csr.signerName !== policy.signerName) return { verdict: 'ignore' };
  const who = requesterProblem(csr, policy);
  if (typeof who !== 'string') return who;
  const usages = usagesProblem(csr);
  if (usages !== undefined) return usages;
  let facts: CsrFacts;
  try {
    facts = await parseCsr(csr.request);
  } catch (err) {
    return deny('BadRequest', `spec.request is not a PKCS#10 request: ${err instanceof Error ? err.message : String(err)}`);
  }
  return requestProblem(facts, who) ?? { verdict: 'approve', node: who, facts };
}

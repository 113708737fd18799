/**
 * node.transfer.certificates=certManager (docs/replication.md "Certificates"): the controller judges and
 * approves the node agents' CSRs of cert-manager's signer and never signs them; cert-manager (a stand-in
 * here: whatever is Approved, it issues with its CA) does. Against the fake API server with the chart's RBAC
 * and identities, so the requester and node claims are the ones a cluster records.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignedCertificate } from '../../../src/agent/transfer-certificate.js';
import { CertificatesApi } from '../../../src/store/kube/certificates-api.js';
import { csrState, decodeCsr, TRANSFER_USAGES, type Csr } from '../../../src/store/kube/csr.js';
import { TransferSigner } from '../../../src/store/kube/transfer-signer.js';
import { generateKey, issue, makeCa, makeCsr, parseCsr, type CertificateAuthority } from '../../../src/transfer/x509.js';
import { enforceChartAuthority, type ChartAuthority } from '../../k8s/chart-authority.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { silent } from './harness.js';
import { NS } from '../../support/transfer-ca.js';

const ISSUER = 'clusterissuers.cert-manager.io/zfs-transfer';
const TRUST = 'zfs-transfer-ca';
const CM = { node: { transfer: { enabled: true, certificates: 'certManager', certManager: { issuerKind: 'ClusterIssuer', issuerName: 'zfs-transfer', issuerNamespace: '', caConfigMap: TRUST } } } };

let server: FakeApiServer;
let authority: ChartAuthority;
let approver: TransferSigner;
let admin: CertificatesApi;
let ca: CertificateAuthority;
let dir: string;

const apiAs = (token: string): CertificatesApi => new CertificatesApi(fakeKubeConfig(server, token));

/** What cert-manager's CSR controller does for its signer: issue each Approved, unsigned request. */
async function certManagerPass(): Promise<number> {
  let issued = 0;
  for (const raw of await admin.listCsrs(ISSUER)) {
    const csr = decodeCsr(raw);
    if (csr === undefined || csrState(csr) !== 'approved') continue;
    await admin.sign(csr.name, await issue(ca, await parseCsr(csr.request), csr.expirationSeconds ?? 3600));
    issued++;
  }
  return issued;
}

before(async () => {
  server = await FakeApiServer.start();
  authority = enforceChartAuthority(server, CM);
  admin = new CertificatesApi(fakeKubeConfig(server));
  ca = await makeCa('cert-manager test CA', 1);
  // What trust-manager (or the operator) keeps: the issuer's CA certificate, no key.
  server.seed('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: TRUST, namespace: NS }, data: { 'ca.crt': ca.certPem } });
  approver = new TransferSigner({
    api: apiAs(authority.controllerToken), log: silent, mayWrite: () => true,
    policy: { signerName: ISSUER, requester: `system:serviceaccount:${NS}:zfs-csi-node` }, ca: undefined,
  });
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-cm-'));
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function ask(token: string, cn: string): Promise<Csr> {
  const created = decodeCsr(await apiAs(token).createCsr({
    generateName: 'test-', signerName: ISSUER, request: await makeCsr(cn, await generateKey()), usages: TRANSFER_USAGES, expirationSeconds: 3600,
  }));
  assert.ok(created);
  await approver.pass();
  const csr = decodeCsr(await admin.getCsr(created.name));
  assert.ok(csr);
  return csr;
}

test('a node\'s own request is Approved and left for cert-manager to sign; the controller writes no certificate', async () => {
  const csr = await ask(authority.nodeToken('node-a'), 'node-a');
  assert.equal(csrState(csr), 'approved');
  assert.equal(csr.conditions.find((c) => c.type === 'Approved')?.reason, 'NodeIdentityVerified');
  assert.equal(csr.certificate, undefined);
  await approver.pass();
  assert.equal(decodeCsr(await admin.getCsr(csr.name))?.certificate, undefined, 'a second pass does not sign either');
  assert.equal(await admin.configMapValue(NS, TRUST, 'ca.crt'), ca.certPem, 'the trust ConfigMap is not the controller\'s to write');
});

test('node-b asking for node-a\'s name is Denied before cert-manager could see it as approved', async () => {
  const csr = await ask(authority.nodeToken('node-b'), 'node-a');
  assert.equal(csrState(csr), 'denied');
  assert.equal(csr.conditions.find((c) => c.type === 'Denied')?.reason, 'WrongNode');
});

test('requests of the issuer by anyone but the node ServiceAccount are left alone (the issuer may be shared)', async () => {
  const csr = await ask(server.token, 'some-app');
  assert.equal(csrState(csr), 'pending');
  assert.deepEqual(csr.conditions, []);
});

test('the controller\'s ServiceAccount may approve for the issuer but not sign for it', async () => {
  const created = decodeCsr(await apiAs(authority.nodeToken('node-c')).createCsr({
    generateName: 'sign-', signerName: ISSUER, request: await makeCsr('node-c', await generateKey()), usages: TRANSFER_USAGES, expirationSeconds: 3600,
  }));
  assert.ok(created);
  await assert.rejects(apiAs(authority.controllerToken).sign(created.name, 'x'), /403/);
});

test('an agent gets its certificate: approved by the controller, issued by cert-manager, checked against the trusted CA', { timeout: 30_000 }, async () => {
  const certificate = new SignedCertificate({
    api: apiAs(authority.nodeToken('node-d')), node: 'node-d', signerName: ISSUER, namespace: NS, caConfigMap: TRUST,
    files: { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'ca.crt') }, seconds: 3600, log: silent, pollMs: 20, retryMs: 50,
  });
  const loop = setInterval(() => void approver.pass().then(certManagerPass).catch(() => undefined), 20);
  try {
    await certificate.ready();
  } finally {
    clearInterval(loop);
    await certificate.stop();
  }
  const cert = new X509Certificate(certificate.cert);
  assert.match(cert.subject, /^CN=node-d$/);
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey), 'signed by the issuer\'s CA');
  assert.equal(certificate.ca.toString(), ca.certPem);
});

/**
 * The transfer signer's decisions (docs/replication.md "Certificates"), against the fake API server with the
 * chart's own RBAC and identities: the API server fills spec.username/extra from the caller's token, so
 * these are the claims a real signer sees. Only a node's pod-bound token asking for its own name is signed.
 */
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import { after, before, test } from 'node:test';
import { generateKey, makeCsr } from '../../../src/transfer/x509.js';
import * as x509 from '@peculiar/x509';
import { CertificatesApi } from '../../../src/store/kube/certificates-api.js';
import { csrState, decodeCsr, TRANSFER_USAGES, type Csr } from '../../../src/store/kube/csr.js';
import { TransferSigner } from '../../../src/store/kube/transfer-signer.js';
import { enforceChartAuthority, type ChartAuthority } from '../../k8s/chart-authority.js';
import { FakeApiServer, fakeKubeConfig, serviceAccountUser } from '../../k8s/fake-apiserver/index.js';
import { silent } from './harness.js';
import { CA, NS, seedTransferCa } from '../../support/transfer-ca.js';

const SIGNER = 'zfs.csi.dev/transfer';

let server: FakeApiServer;
let authority: ChartAuthority;
let signer: TransferSigner;
let admin: CertificatesApi;

const apiAs = (token: string): CertificatesApi => new CertificatesApi(fakeKubeConfig(server, token));

before(async () => {
  server = await FakeApiServer.start();
  authority = enforceChartAuthority(server);
  admin = new CertificatesApi(fakeKubeConfig(server));
  // What transfer-ca.yaml makes: an empty Secret and ConfigMap.
  seedTransferCa(server);
  signer = new TransferSigner({
    api: apiAs(authority.controllerToken), log: silent, mayWrite: () => true,
    policy: { signerName: SIGNER, requester: `system:serviceaccount:${NS}:zfs-csi-node` },
    ca: { namespace: NS, secret: CA, configMap: CA },
  });
});

after(async () => {
  await server.close();
});

interface Ask { readonly token: string; readonly request?: string; readonly cn?: string; readonly usages?: readonly string[]; readonly signerName?: string }

/** Creates a CSR as `token`, runs one signer pass, returns the CSR as it then stands. */
async function ask(a: Ask): Promise<Csr> {
  const request = a.request ?? await makeCsr(a.cn ?? 'node-a', await generateKey());
  const created = decodeCsr(await apiAs(a.token).createCsr({
    generateName: 'test-', signerName: a.signerName ?? SIGNER, request, usages: a.usages ?? TRANSFER_USAGES, expirationSeconds: 3600,
  }));
  assert.ok(created);
  await signer.pass();
  const csr = decodeCsr(await admin.getCsr(created.name));
  assert.ok(csr);
  return csr;
}

const reasonOf = (csr: Csr): string | undefined => csr.conditions.find((c) => c.type === 'Denied')?.reason;

test('node-a\'s pod-bound token asking for CN=node-a gets a client+server certificate of the published CA', async () => {
  const csr = await ask({ token: authority.nodeToken('node-a') });
  assert.equal(csrState(csr), 'issued');
  assert.deepEqual(csr.extra['authentication.kubernetes.io/node-name'], ['node-a'], 'the API server recorded the node claim');
  const cert = new X509Certificate(csr.certificate ?? '');
  assert.match(cert.subject, /^CN=node-a$/);
  assert.equal(cert.subjectAltName, undefined, 'no SANs: peers are checked by CN');
  const ca = await admin.configMapValue(NS, CA, 'ca.crt');
  assert.ok(ca !== undefined && cert.verify(new X509Certificate(ca).publicKey), 'signed by the CA in the ConfigMap');
  assert.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.1') && cert.keyUsage.includes('1.3.6.1.5.5.7.3.2'), 'serverAuth and clientAuth');
  const life = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
  assert.ok(life <= 3600 + 60 && life >= 3600, `the asked-for hour (+1 min skew), got ${life}`);
});

test('node-b\'s token asking for node-a\'s name is Denied', async () => {
  const csr = await ask({ token: authority.nodeToken('node-b'), cn: 'node-a' });
  assert.equal(csrState(csr), 'denied');
  assert.equal(reasonOf(csr), 'WrongNode');
  assert.equal(csr.certificate, undefined);
});

test('a node ServiceAccount token without the node claim is Denied', async () => {
  const csr = await ask({ token: authority.nodeToken(undefined) });
  assert.equal(reasonOf(csr), 'NoNodeClaim');
});

test('any other requester is Denied, even one that may do anything', async () => {
  assert.equal(reasonOf(await ask({ token: server.token })), 'WrongRequester');
  // Even a user with the node claim, if it is not the release's node ServiceAccount.
  const sa = serviceAccountUser(NS, 'someone-else', 'node-a');
  const other = server.addIdentity('other-sa', { ...sa, groups: [...sa.groups, 'system:masters'] });
  assert.equal(reasonOf(await ask({ token: other })), 'WrongRequester');
});

test('usages other than exactly digital signature, key encipherment, client auth, server auth are Denied', async () => {
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), usages: ['digital signature', 'key encipherment', 'client auth'] })), 'WrongUsages');
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), usages: [...TRANSFER_USAGES, 'code signing'] })), 'WrongUsages');
});

test('a key other than P-256 / RSA ≥ 2048, SANs, or more subject than the CN are Denied', async () => {
  const p384 = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  const keys384 = await webcrypto.subtle.generateKey(p384, true, ['sign', 'verify']);
  const weak = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=node-a', keys: keys384, signingAlgorithm: p384 });
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), request: weak.toString('pem') })), 'WeakKey');
  const p256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(p256, true, ['sign', 'verify']);
  const sans = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=node-a', keys, signingAlgorithm: p256, extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'evil.example' }])],
  });
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), request: sans.toString('pem') })), 'ExtensionsNotAllowed');
  const org = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=node-a, O=system:masters', keys, signingAlgorithm: p256 });
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), request: org.toString('pem') })), 'WrongNode');
  assert.equal(reasonOf(await ask({ token: authority.nodeToken('node-a'), request: 'not a request' })), 'BadRequest');
});

test('a CSR for another signer is never touched', async () => {
  const csr = await ask({ token: authority.nodeToken('node-a'), signerName: 'kubernetes.io/kube-apiserver-client' });
  assert.equal(csrState(csr), 'pending');
  assert.deepEqual(csr.conditions, []);
});

test('the CA is made once and kept: a second signer (a new leader) loads the same one', async () => {
  const first = await admin.configMapValue(NS, CA, 'ca.crt');
  const again = new TransferSigner({
    api: apiAs(authority.controllerToken), log: silent, mayWrite: () => true,
    policy: { signerName: SIGNER, requester: `system:serviceaccount:${NS}:zfs-csi-node` }, ca: { namespace: NS, secret: CA, configMap: CA },
  });
  await again.pass();
  assert.equal(await admin.configMapValue(NS, CA, 'ca.crt'), first);
  const csr = await ask({ token: authority.nodeToken('node-b'), cn: 'node-b' });
  assert.ok(first !== undefined && new X509Certificate(csr.certificate ?? '').verify(new X509Certificate(first).publicKey));
});

test('the chart\'s node ServiceAccount cannot approve or sign its own request', async () => {
  const node = apiAs(authority.nodeToken('node-b'));
  const created = decodeCsr(await node.createCsr({
    generateName: 'self-', signerName: SIGNER, request: await makeCsr('node-a', await generateKey()), usages: TRANSFER_USAGES, expirationSeconds: 3600,
  }));
  assert.ok(created);
  await assert.rejects(node.decide(created.name, created.resourceVersion, 'Approved', 'Self', 'self'), /403/);
  await assert.rejects(node.sign(created.name, 'x'), /403/);
});

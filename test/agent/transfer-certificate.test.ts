/**
 * The node side of signer certificates (src/agent/transfer-certificate.ts) against the fake API server and
 * the controller's signer: the key is made once and kept 0600, a restart reuses key and certificate
 * without asking again, renewal at 2/3 of the life, and a node whose token names another node never gets a certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignedCertificate } from '../../src/agent/transfer-certificate.js';
import { CertificatesApi } from '../../src/store/kube/certificates-api.js';
import { TransferSigner } from '../../src/store/kube/transfer-signer.js';
import { enforceChartAuthority, type ChartAuthority } from '../k8s/chart-authority.js';
import { FakeApiServer, fakeKubeConfig } from '../k8s/fake-apiserver/index.js';
import { silentLog } from './harness.js';
import { CA, NS, seedTransferCa } from '../support/transfer-ca.js';

let server: FakeApiServer;
let authority: ChartAuthority;
let signer: TransferSigner;
let dir: string;

before(async () => {
  server = await FakeApiServer.start();
  authority = enforceChartAuthority(server);
  seedTransferCa(server);
  signer = new TransferSigner({
    api: new CertificatesApi(fakeKubeConfig(server, authority.controllerToken)), log: silentLog, mayWrite: () => true, intervalMs: 50,
    policy: { signerName: 'zfs.csi.dev/transfer', requester: `system:serviceaccount:${NS}:zfs-csi-node` }, ca: { namespace: NS, secret: CA, configMap: CA },
  });
  signer.start();
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-cert-'));
});

after(async () => {
  await signer.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function certificateOf(node: string, tokenNode: string, sub: string, now?: () => number): SignedCertificate {
  return new SignedCertificate({
    ...(now === undefined ? {} : { now, clockCheckMs: 20 }),
    api: new CertificatesApi(fakeKubeConfig(server, authority.nodeToken(tokenNode))), node, signerName: 'zfs.csi.dev/transfer',
    namespace: NS, caConfigMap: CA, seconds: 3600, log: silentLog, pollMs: 20, retryMs: 50,
    files: { cert: join(dir, `${sub}.crt`), key: join(dir, `${sub}.key`), ca: join(dir, `${sub}-ca.crt`) },
  });
}

const csrCount = (): number => server.requests.count({ method: 'POST', path: /\/certificatesigningrequests$/, status: 201 });

test('the key is made once and kept 0600; a restart reuses key and certificate without a new request', async () => {
  const first = certificateOf('node-a', 'node-a', 'a');
  await first.ready();
  assert.match(new X509Certificate(first.cert).subject, /^CN=node-a$/);
  assert.equal((await stat(join(dir, 'a.key'))).mode & 0o777, 0o600);
  assert.equal(first.key.toString(), await readFile(join(dir, 'a.key'), 'utf8'));
  await first.stop();
  const asked = csrCount();
  const again = certificateOf('node-a', 'node-a', 'a');
  await again.ready();
  assert.equal(csrCount(), asked, 'no new CSR after a restart');
  assert.deepEqual(again.cert, first.cert);
  assert.deepEqual(again.key, first.key);
  await again.stop();
});

test('at 2/3 of its life the certificate is renewed with the same key and handed to subscribers; once, not in a loop', async () => {
  let offset = 0;
  const cert = certificateOf('node-a', 'node-a', 'renew', () => Date.now() + offset);
  await cert.ready();
  const first = new X509Certificate(cert.cert);
  const asked = csrCount();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(csrCount(), asked, 'no renewal before its time');
  let changes = 0;
  const renewed = new Promise<void>((resolve) => cert.subscribe(() => {
    changes++;
    offset = 0; // the new certificate's own 2/3 point is far off again
    resolve();
  }));
  const life = Date.parse(first.validTo) - Date.parse(first.validFrom);
  offset = Date.parse(first.validFrom) + (life * 2) / 3 + 1000 - Date.now();
  await renewed;
  const second = new X509Certificate(cert.cert);
  assert.notEqual(second.serialNumber, first.serialNumber, 'a new certificate');
  assert.ok(second.publicKey.equals(first.publicKey), 'for the same key');
  assert.equal(await readFile(join(dir, 'renew.crt'), 'utf8'), cert.cert.toString(), 'the file holds the new one');
  assert.equal(csrCount(), asked + 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(changes, 1, 'renewed once');
  assert.equal(csrCount(), asked + 1);
  await cert.stop();
});

test('a node whose token names another node never gets a certificate (Denied, retried, still none)', async () => {
  const posing = certificateOf('node-a', 'node-b', 'posing');
  void posing.ready().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  assert.throws(() => posing.cert, /not been issued/);
  await posing.stop();
});

/**
 * Signer certificates end to end (docs/replication.md "Certificates"): two node agents on the zfs-fuse pools
 * zfscsi and zfscsi2 make their own keys and ask the controller's signer for their certificates with
 * pod-bound node tokens of the chart's authority (the fake API server fills in the node claim as a real one
 * does); a ZfsTransfer then runs over the issued certificates. A certificate used by a node it does not
 * name is refused by the checks that already guard file certificates.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignedCertificate } from '../../src/agent/transfer-certificate.js';
import { CertificatesApi } from '../../src/store/kube/certificates-api.js';
import { transferSignerName } from '../../src/store/kube/csr.js';
import { TransferSigner } from '../../src/store/kube/transfer-signer.js';
import { sendTransfer } from '../../src/transfer/sender.js';
import { loadTls, type TlsFiles } from '../../src/transfer/tls.js';
import { enforceChartAuthority, type ChartAuthority } from '../k8s/chart-authority.js';
import { fakeKubeConfig, type FakeApiServer } from '../k8s/fake-apiserver/index.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { MiB, poll, silentLog, type AgentBench } from './harness.js';
import { fill, TransferPair } from './transfer-pair.js';
import { CA, NS, seedTransferCa } from '../support/transfer-ca.js';

const SIGNER = transferSignerName('zfs.csi.dev');

let pair: TransferPair | undefined;
let fake: FakeApiServer | undefined;
let authority: ChartAuthority;
let signer: TransferSigner;
const certs = new Map<string, SignedCertificate>();

const filesOf = (bench: AgentBench): TlsFiles => ({ cert: join(bench.dir, 'tls.crt'), key: join(bench.dir, 'tls.key'), ca: join(bench.dir, 'ca.crt') });

async function startSigned(p: TransferPair, bench: AgentBench): Promise<void> {
  const server = fake;
  assert.ok(server);
  const certificate = new SignedCertificate({
    api: new CertificatesApi(fakeKubeConfig(server, authority.nodeToken(bench.node))), node: bench.node, signerName: SIGNER,
    namespace: NS, caConfigMap: CA, files: filesOf(bench), seconds: 3600, log: silentLog, pollMs: 50, retryMs: 200,
  });
  certs.set(bench.node, certificate);
  const agent = bench.startAgent({ transfers: { ...await p.transferOptions(bench), tls: certificate, certificate } });
  await agent.whenAdopted();
  await poll(async () => agent.transfers?.port, (port) => port !== undefined, 30_000, `${bench.node}'s transfer endpoint`);
  await agent.publishNode();
}

before(async () => {
  pair = await TransferPair.create();
  fake = pair.target.fake;
  if (fake === undefined) return; // a real cluster: its own signer and tokens are not ours to drive
  authority = enforceChartAuthority(fake);
  // What transfer-ca.yaml makes: an empty Secret and ConfigMap.
  seedTransferCa(fake);
  signer = new TransferSigner({
    api: new CertificatesApi(fakeKubeConfig(fake, authority.controllerToken)), log: silentLog, mayWrite: () => true, intervalMs: 100,
    policy: { signerName: SIGNER, requester: `system:serviceaccount:${NS}:zfs-csi-node` }, ca: { namespace: NS, secret: CA, configMap: CA },
  });
  signer.start();
  await Promise.all([startSigned(pair, pair.a), startSigned(pair, pair.b)]);
});

after(async () => {
  await signer?.stop();
  await pair?.cleanup();
});

test('each agent gets its own certificate from the signer, keeps its key 0600, and a transfer runs over them', { skip: process.env['ZFS_CSI_TEST_KUBECONFIG'] ? 'needs the fake API server' : false }, async () => {
  assert.ok(pair);
  const { a, b } = pair;
  for (const bench of [a, b]) {
    const cert = new X509Certificate(await readFile(filesOf(bench).cert));
    assert.equal(cert.subject, `CN=${bench.node}`);
    assert.equal((await stat(filesOf(bench).key)).mode & 0o777, 0o600, 'the private key is the node\'s alone');
  }
  const volume = await a.createVolume({ bytes: 64n * MiB });
  await a.waitReady(volume);
  await fill(a, volume, 'data.bin', 2);
  const snapshot = await a.createSnapshot(volume);
  await a.waitSnapshot(snapshot, (s) => s?.status?.readyToUse === true);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  const done = await pair.waitFinished(name);
  assert.equal(done?.status?.phase, 'Succeeded', done?.status?.message);
  assert.equal(await zfsProp(`${b.parent}/${volume}@${snapshot}`, 'guid'), await zfsProp(`${a.parent}/${volume}@${snapshot}`, 'guid'));
});

test('node-a\'s issued certificate does not make anyone node-b', { skip: process.env['ZFS_CSI_TEST_KUBECONFIG'] ? 'needs the fake API server' : false }, async () => {
  assert.ok(pair);
  const { a, b } = pair;
  // At start: an agent of node b given node a's files refuses to run with them.
  await assert.rejects(loadTls(filesOf(a), b.node), /is for .*not this node/);
  // On the wire: a ZfsTransfer from b to a, but the stream comes with node a's certificate: refused.
  const volume = await b.createVolume({ bytes: 64n * MiB });
  await b.waitReady(volume);
  const snapshot = await b.createSnapshot(volume);
  await b.waitSnapshot(snapshot, (s) => s?.status?.readyToUse === true);
  await b.stopAgent(); // so b's own runner does not send it first
  const transfer = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: b, to: a });
  const aTls = await loadTls(filesOf(a), a.node);
  const streams = (await pair.transferOptions(b)).streams;
  await assert.rejects(sendTransfer(
    { zfs: b.zfs, streams, tls: aTls, node: b.node, stallMs: 10_000 },
    {
      transfer, dataset: `${b.parent}/${volume}`, volume: { id: volume, name: `pvc-${volume}`, params: { properties: {}, quotaType: 'refquota', thin: true } },
      snapshot: { id: snapshot, name: `snapshot-${snapshot}`, sizeBytes: 1n, createdMs: Date.now() },
      peer: { node: a.node, host: '127.0.0.1', port: a.agent?.transfers?.port ?? 0 },
    },
    () => undefined, AbortSignal.timeout(30_000),
  ), /the offer claims to come from .*, the certificate says/);
  assert.deepEqual((await zfsTree(a.parent)).filter((d) => d.includes(volume)), [], 'nothing was received');
});

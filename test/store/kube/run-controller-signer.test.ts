/**
 * The composition root wires the transfer signer (docs/replication.md "Certificates"): a controller started
 * with the chart's signer flags fills the empty CA Secret, publishes the CA and signs a node's own CSR.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseServeConfig } from '../../../src/app/config.js';
import { runController } from '../../../src/app/controller.js';
import type { Running } from '../../../src/app/standalone.js';
import { CertificatesApi } from '../../../src/store/kube/certificates-api.js';
import { csrState, decodeCsr, TRANSFER_USAGES } from '../../../src/store/kube/csr.js';
import { generateKey, makeCsr } from '../../../src/transfer/x509.js';
import { enforceChartAuthority } from '../../k8s/chart-authority.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { silent } from './harness.js';
import { CA, NS, seedTransferCa } from '../../support/transfer-ca.js';

let server: FakeApiServer;
let dir: string;
let running: Running;
let nodeApi: CertificatesApi;
const savedNamespace = process.env['POD_NAMESPACE'];

before(async () => {
  server = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
  const authority = enforceChartAuthority(server);
  seedTransferCa(server);
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-signer-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fakeKubeConfig(server, authority.controllerToken).exportConfig());
  process.env['POD_NAMESPACE'] = NS;
  const config = parseServeConfig(['--mode', 'controller', '--endpoint', `unix://${join(dir, 'csi.sock')}`, '--kubeconfig', kubeconfig, '--leader-election', 'false'], {
    ZFS_CSI_TRANSFER_SIGNER_REQUESTER: `system:serviceaccount:${NS}:zfs-csi-node`, ZFS_CSI_TRANSFER_CA_SECRET: CA, ZFS_CSI_TRANSFER_CA_CONFIGMAP: CA,
  });
  running = await runController(config, silent, { nodeLossIntervalMs: 60_000, signerIntervalMs: 100 });
  nodeApi = new CertificatesApi(fakeKubeConfig(server, authority.nodeToken('node-a')));
});

after(async () => {
  await running.stop(1000);
  await server.close();
  await rm(dir, { recursive: true, force: true });
  if (savedNamespace === undefined) delete process.env['POD_NAMESPACE'];
  else process.env['POD_NAMESPACE'] = savedNamespace;
});

test('a controller with the signer flags signs node-a\'s own request', async () => {
  const created = decodeCsr(await nodeApi.createCsr({
    generateName: 'node-a-transfer-', signerName: 'zfs.csi.dev/transfer', request: await makeCsr('node-a', await generateKey()),
    usages: TRANSFER_USAGES, expirationSeconds: 3600,
  }));
  assert.ok(created);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const csr = decodeCsr(await nodeApi.getCsr(created.name));
    if (csr !== undefined && csrState(csr) === 'issued') break;
    assert.ok(Date.now() < deadline, `the CSR is still ${csr === undefined ? 'unreadable' : csrState(csr)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(await nodeApi.configMapValue(NS, CA, 'ca.crt') ?? '', /BEGIN CERTIFICATE/, 'the node can read the published CA');
});

// Keep-alive connections to the API server (src/store/kube/pooled-kubeconfig.ts), against the fake API
// server over real HTTP, and the agent's TLS identity with an https cluster.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { KubeApi } from '../../../src/store/kube/api.js';
import { PooledKubeConfig, tlsFingerprint } from '../../../src/store/kube/pooled-kubeconfig.js';
import { PLURAL } from '../../../src/store/kube/resources.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { volumeBody } from './harness.js';

let server: FakeApiServer;
let api: KubeApi;

before(async () => {
  server = await FakeApiServer.start();
  api = new KubeApi(fakeKubeConfig(server));
});
after(async () => {
  await server.close();
});

test('sequential requests share one connection; a burst opens at most one per request in flight', async () => {
  const before = server.connections;
  for (let i = 0; i < 10; i++) {
    await api.create(PLURAL.volume, volumeBody(`vol-keep-${i}`));
    await api.get(PLURAL.volume, `vol-keep-${i}`);
  }
  assert.equal(server.connections - before, 1, '20 requests, one after another');
  const burst = server.connections;
  await Promise.all(Array.from({ length: 5 }, (_, i) => api.get(PLURAL.volume, `vol-keep-${i}`)));
  assert.ok(server.connections - burst <= 5, `5 at once opened ${server.connections - burst}`);
  const again = server.connections;
  await Promise.all(Array.from({ length: 5 }, (_, i) => api.get(PLURAL.volume, `vol-keep-${i}`)));
  assert.equal(server.connections, again, 'the next burst reuses them');
});

test('an idle connection is closed by the client before the server would (4 s < 5 s); the next request works', async () => {
  await api.get(PLURAL.volume, 'vol-keep-0');
  const before = server.connections;
  await new Promise((r) => setTimeout(r, 4_500));
  assert.ok(await api.get(PLURAL.volume, 'vol-keep-0'), 'answered after the idle time');
  assert.equal(server.connections - before, 1, 'on a new connection');
});

function httpsConfig(caData: string): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function agentOf(kc: PooledKubeConfig): Promise<https.Agent> {
  const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  const agent = context.getAgent();
  assert.ok(agent instanceof https.Agent, 'an https agent');
  assert.equal(context.getHeaders()['Authorization'], 'Bearer t', 'the token stays a per-request header');
  return agent;
}

test('https: every request gets the same keep-alive agent, carrying the cluster CA; other TLS material, another agent', async () => {
  const caA = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64');
  const caB = Buffer.from('-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n').toString('base64');
  const kc = httpsConfig(caA);
  const first = await agentOf(kc);
  assert.equal(await agentOf(kc), first, 'one agent for all requests');
  assert.equal(first.options.keepAlive, true);
  assert.equal(String(first.options.ca), Buffer.from(caA, 'base64').toString(), 'the CA the library read');
  assert.notEqual(await agentOf(httpsConfig(caB)), first);
  assert.notEqual(tlsFingerprint(true, { ca: 'a' }), tlsFingerprint(true, { ca: 'b' }));
  assert.equal(tlsFingerprint(true, { ca: Buffer.from('a') }), tlsFingerprint(true, { ca: Buffer.from('a') }));
});

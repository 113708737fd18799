import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServeConfig } from '../../../src/app/config.js';
import { runController } from '../../../src/app/controller.js';
import type { Running } from '../../../src/app/standalone.js';
import { createCsiClient, CsiCallError, type CsiClient } from '../../../src/grpc/client.js';
import { FakeApiServer, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { CORE_NODES, GiB, publishNode, silent, until } from './harness.js';
import { ScriptedAgent } from './scripted-agent.js';

let server: FakeApiServer;
let dir: string;
let running: Running;
let client: CsiClient;
let agent: ScriptedAgent;

before(async () => {
  server = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
  server.register(CORE_NODES);
  dir = await mkdtemp(join(tmpdir(), 'zfs-csi-ctrl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fakeKubeConfig(server).exportConfig());
  const config = parseServeConfig(['--mode', 'controller', '--endpoint', `unix://${join(dir, 'csi.sock')}`, '--kubeconfig', kubeconfig], {});
  running = await runController(config, silent, { nodeLossIntervalMs: 50 });
  client = createCsiClient(running.server.address);
  agent = new ScriptedAgent(fakeKubeConfig(server), 'node-a');
  await agent.start();
});

after(async () => {
  client.close();
  await running.stop(1000);
  await agent.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls check until it holds (true) or 3 s pass (false). */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('runController', () => {
  it('serves Identity (controller, ready once the caches are listed) and Controller over the CSI socket', async () => {
    const caps = await client.identity.GetPluginCapabilities({});
    assert.ok(caps.capabilities.some((c) => c.service?.type === 'CONTROLLER_SERVICE'));
    assert.equal(await eventually(async () => (await client.identity.Probe({})).ready?.value === true), true);
    await assert.rejects(client.node.NodeGetInfo({}), (err: unknown) => err instanceof CsiCallError && err.grpcCodeName === 'UNIMPLEMENTED');

    server.seed('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    const kc = fakeKubeConfig(server);
    const { KubeApi } = await import('../../../src/store/kube/api.js');
    await publishNode(new KubeApi(kc), 'node-a', [['tank/csi', 10n * GiB]]);
    const capacity = async (): Promise<string | undefined> =>
      (await client.controller.GetCapacity({ accessible_topology: { segments: { 'zfs.csi.dev/node': 'node-a' } } })).available_capacity;
    assert.equal(await eventually(async () => (await capacity()) !== '0'), true);
    assert.equal(await capacity(), String(10n * GiB));

    const res = await client.controller.CreateVolume({
      name: 'pvc-app', capacity_range: { required_bytes: String(GiB) },
      volume_capabilities: [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }],
    }, { deadlineMs: 5000 });
    assert.match(res.volume?.volume_id ?? '', /^vol-/);
    assert.ok(server.peek('zfsvolumes', res.volume?.volume_id ?? ''));
    // The node-loss checks run in the background: removing node-a's Node marks the volume Lost.
    const { CoreV1Api } = await import('@kubernetes/client-node');
    await kc.makeApiClient(CoreV1Api).deleteNode({ name: 'node-a' });
    await until('Lost', () => (server.peek('zfsvolumes', res.volume?.volume_id ?? '')?.['status'] as Record<string, unknown> | undefined)?.['phase'] === 'Lost');
  });
});

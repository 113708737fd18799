/**
 * runNode (src/app/node.ts) end to end: Identity + Node on a real unix socket, the agent talking to the fake
 * API server through a kubeconfig file, volumes on the zfs-fuse pool.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseServeConfig } from '../../src/app/config.js';
import { runNode } from '../../src/app/node.js';
import { createCsiClient, CsiCallError } from '../../src/grpc/client.js';
import { AgentBench, NO_MOUNT, poll, silentLog } from './harness.js';

const CAP = { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } };

test('node mode: Probe turns ready after adoption; the Node service publishes what the agent made', async () => {
  const b = await AgentBench.create();
  const kubeconfig = join(b.dir, 'kubeconfig');
  await writeFile(kubeconfig, b.target.kc.exportConfig());
  const endpoint = `unix://${join(b.dir, 'csi.sock')}`;
  const config = parseServeConfig([
    '--mode', 'node', '--endpoint', endpoint, '--node-id', b.node, '--parent', b.parent,
    '--mount-root', b.mountRoot, '--publish-root', join(b.dir, 'pods'), '--kubeconfig', kubeconfig,
  ], {});
  const running = await runNode(config, silentLog);
  const client = createCsiClient(endpoint);
  try {
    const caps = await client.identity.GetPluginCapabilities({});
    assert.ok(!caps.capabilities.some((c) => c.service?.type === 'CONTROLLER_SERVICE'), 'a node plugin does not claim the controller');
    await poll(async () => (await client.identity.Probe({})).ready?.value, (ready) => ready === true, 15_000, 'Probe ready');
    const info = await client.node.NodeGetInfo({});
    assert.equal(info.node_id, b.node);
    assert.deepEqual(info.accessible_topology?.segments, { 'zfs.csi.dev/node': b.node });

    const id = await b.createVolume();
    const v = await b.waitReady(id);
    assert.equal(v?.status?.mountpoint, `${b.mountRoot}/${id}`);
    await mkdir(join(b.dir, 'pods'), { recursive: true });
    const target = join(b.dir, 'pods', id);
    await assert.rejects(
      client.node.NodePublishVolume({ volume_id: 'vol-aaaaaaaaaaaaaaaaaaaa', target_path: target, volume_capability: CAP, readonly: false }),
      (err: unknown) => err instanceof CsiCallError && err.code === 'NOT_FOUND',
    );
    // Only below --publish-root (the kubelet directory in a cluster): /etc is refused before any lookup.
    await assert.rejects(
      client.node.NodePublishVolume({ volume_id: id, target_path: '/etc', volume_capability: CAP, readonly: false }),
      (err: unknown) => err instanceof CsiCallError && err.grpcCodeName === 'INVALID_ARGUMENT' && /publish root/.test(err.message),
    );
    if (!NO_MOUNT) {
      await client.node.NodePublishVolume({ volume_id: id, target_path: target, volume_capability: CAP, readonly: false });
      const stats = await client.node.NodeGetVolumeStats({ volume_id: id, volume_path: target });
      assert.ok(stats.usage.length > 0);
      await client.node.NodeUnpublishVolume({ volume_id: id, target_path: target });
    }
  } finally {
    client.close();
    await running.stop(2000);
    await b.cleanup();
  }
});

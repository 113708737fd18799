/**
 * csi-sanity "Identity Service" and the capability/info RPCs of the other services, against a real driver.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDriver, type Driver } from '../support/driver.js';
import { assertPoolEmpty } from './support.js';

let d: Driver;
before(async () => {
  d = await startDriver();
});
after(async () => {
  await d.cleanup();
});

describe('Identity Service', () => {
  it('GetPluginInfo names zfs.csi.dev with a non-empty vendor_version', async () => {
    const info = await d.client.identity.GetPluginInfo({});
    assert.equal(info.name, 'zfs.csi.dev');
    assert.notEqual(info.vendor_version, '');
  });

  it('GetPluginCapabilities: controller service, topology, online expansion; nothing unknown', async () => {
    const { capabilities } = await d.client.identity.GetPluginCapabilities({});
    const services = capabilities.flatMap((c) => (c.service ? [c.service.type] : []));
    const expansion = capabilities.flatMap((c) => (c.volume_expansion ? [c.volume_expansion.type] : []));
    assert.deepEqual([...services].sort(), ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS']);
    assert.deepEqual(expansion, ['ONLINE']);
    for (const c of capabilities) assert.ok(c.service ?? c.volume_expansion, 'every capability names its type');
  });

  it('Probe answers ready once the pool is loaded', async () => {
    const r = await d.client.identity.Probe({});
    assert.equal(r.ready?.value, true);
  });
});

describe('capabilities and node info', () => {
  it('ControllerGetCapabilities lists only capabilities csi-sanity knows, and the ones we serve', async () => {
    const { capabilities } = await d.client.controller.ControllerGetCapabilities({});
    const types: string[] = capabilities.map((c) => c.rpc?.type ?? 'MISSING');
    const known = new Set([
      'CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'CREATE_DELETE_SNAPSHOT',
      'LIST_SNAPSHOTS', 'PUBLISH_READONLY', 'CLONE_VOLUME', 'EXPAND_VOLUME', 'LIST_VOLUMES_PUBLISHED_NODES',
      'GET_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER', 'GET_SNAPSHOT',
      // csi-sanity's ControllerModifyVolume tests (kubernetes-csi/csi-test #538) run when this is advertised.
      'MODIFY_VOLUME',
    ]);
    for (const t of types) assert.ok(known.has(t), `unknown controller capability ${t}`);
    for (const t of ['CREATE_DELETE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_VOLUMES', 'LIST_SNAPSHOTS',
      'GET_CAPACITY', 'CLONE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME', 'GET_SNAPSHOT', 'MODIFY_VOLUME']) {
      assert.ok(types.includes(t), `controller must advertise ${t}`);
    }
    // No attach step for a local dataset: csi-sanity then skips ControllerPublish, so we must not claim it.
    assert.ok(!types.includes('PUBLISH_UNPUBLISH_VOLUME'));
  });

  it('NodeGetCapabilities: stats and expansion, no staging', async () => {
    const { capabilities } = await d.client.node.NodeGetCapabilities({});
    const types: string[] = capabilities.map((c) => c.rpc?.type ?? 'MISSING');
    const known = new Set(['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION',
      'SINGLE_NODE_MULTI_WRITER', 'VOLUME_MOUNT_GROUP']);
    for (const t of types) assert.ok(known.has(t), `unknown node capability ${t}`);
    assert.ok(types.includes('GET_VOLUME_STATS'));
    assert.ok(types.includes('EXPAND_VOLUME'));
    assert.ok(!types.includes('STAGE_UNSTAGE_VOLUME'));
  });

  it('NodeGetInfo: the node id, no negative limit, topology zfs.csi.dev/node', async () => {
    const info = await d.client.node.NodeGetInfo({});
    assert.equal(info.node_id, d.nodeId);
    assert.ok(BigInt(info.max_volumes_per_node) >= 0n);
    assert.deepEqual(info.accessible_topology?.segments, { 'zfs.csi.dev/node': d.nodeId });
  });

  it('none of this touched the pool', async () => {
    await assertPoolEmpty(d, 'read-only RPCs create nothing');
  });
});

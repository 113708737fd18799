/**
 * DESIGN.md §7: agent start-up reconcile of 1,000 resources in ≤ 5 s with a constant number of zfs calls.
 * Real fake API server and real agent; ZFS is a hand-written fake answering the scan with 1,000 volumes
 * (building 1,000 datasets on zfs-fuse would take minutes; the zfs side of the scan is measured by the bench).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeAgent } from '../../src/agent/agent.js';
import { newVolumeId } from '../../src/csi/ids.js';
import { volumeProps } from '../../src/provision/build.js';
import { parentMarkOf } from '../../src/provision/parent-presence.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { KubeApi } from '../../src/store/kube/api.js';
import { API_VERSION, FINALIZER, NODE_LABEL, PLURAL } from '../../src/store/kube/resources.js';
import type { DatasetInfo, Zfs, ZfsCapabilities } from '../../src/zfs/zfs.js';
import { FakeApiServer, fakeKubeConfig } from '../k8s/fake-apiserver/index.js';
import { silentLog } from './harness.js';

const PARENT = 'tank/csi';
const NODE = 'node-scale';
const SIZE = 1n << 30n;

class ScanOnlyZfs implements Zfs {
  readonly calls: string[] = [];
  constructor(private readonly infos: DatasetInfo[]) {}
  async capabilities(): Promise<ZfsCapabilities> {
    this.calls.push('capabilities');
    return { implementation: 'openzfs', version: '2.2.0', properties: new Set(), multiSet: true };
  }
  async get(names: readonly string[], _props: readonly string[], options?: { recursive?: boolean; depth?: number }): Promise<DatasetInfo[]> {
    this.calls.push(`get ${names.join(',')}${options?.recursive ? ' -r' : ''}${options?.depth ? ` -d ${options.depth}` : ''}`);
    if (options?.recursive) return this.infos;
    // The pool root already records the parent (src/provision/parent-presence.ts): an upgraded, seen install.
    const mark: [string, string] = [parentMarkOf(PARENT), PARENT];
    return names.map((name) => ({ name, props: new Map([['type', 'filesystem'], ['available', '1000000000'], ['used', '1000'], mark]) }));
  }
  async poolHealth(): Promise<string> {
    this.calls.push('poolHealth');
    return 'ONLINE';
  }
  private refuse(verb: string): Promise<never> {
    this.calls.push(verb);
    return Promise.reject(new Error(`${verb} must not run during adoption`));
  }
  create(): Promise<void> { return this.refuse('create'); }
  clone(): Promise<void> { return this.refuse('clone'); }
  snapshot(): Promise<void> { return this.refuse('snapshot'); }
  destroy(): Promise<void> { return this.refuse('destroy'); }
  set(): Promise<void> { return this.refuse('set'); }
  mount(): Promise<void> { return this.refuse('mount'); }
  unmount(): Promise<void> { return this.refuse('unmount'); }
}

test('1,000 Ready resources adopt in under 5 s with a constant number of zfs calls and no API writes', async () => {
  const server = await FakeApiServer.start({ historyLimit: 5000 });
  const type = server.registry.all().find((t) => t.plural === PLURAL.volume);
  assert.ok(type);
  const infos: DatasetInfo[] = [{ name: PARENT, props: new Map([['type', 'filesystem']]) }];
  for (let i = 0; i < 1000; i++) {
    const id = newVolumeId();
    const spec = { id, name: `pvc-${i}`, node: NODE, parent: PARENT, capacityBytes: SIZE, params: { properties: {}, quotaType: 'refquota' as const, thin: true } };
    const mountpoint = `/var/lib/zfs-csi/mounts/${id}`;
    const props = new Map(Object.entries({ ...volumeProps(spec, mountpoint), type: 'filesystem', used: '1000' }));
    infos.push({ name: `${PARENT}/${id}`, props });
    server.seed(PLURAL.volume, {
      apiVersion: API_VERSION, kind: 'ZfsVolume',
      metadata: { name: id, labels: { [NODE_LABEL]: NODE }, finalizers: [FINALIZER] },
      spec: { csiName: spec.name, volumeId: id, nodeName: NODE, parentDataset: PARENT, requestedBytes: String(SIZE), properties: {}, quotaType: 'refquota', thin: true },
    });
    server.store.update(type, undefined, id, {
      status: { phase: 'Ready', capacityBytes: String(SIZE), dataset: `${PARENT}/${id}`, mountpoint, observedGeneration: 1 },
    }, { status: true, requireResourceVersion: false });
  }
  const zfs = new ScanOnlyZfs(infos);
  const agent = new NodeAgent({
    api: new KubeApi(fakeKubeConfig(server)), zfs, node: NODE, parents: [PARENT], log: silentLog, agentVersion: 'test',
    provisioner: new Provisioner({ zfs, bindsOf: async () => [], mountRoot: '/var/lib/zfs-csi/mounts' }),
  });
  try {
    server.requests.clear();
    agent.start();
    const report = await agent.whenAdopted();
    await agent.idle();
    assert.equal(report.volumes, 1000);
    assert.equal(report.queued, 0);
    assert.deepEqual(report.drift, []);
    // Its time is measured by `npm run bench` (agent start-up reconcile, DESIGN.md §7), not asserted here.
    assert.equal(await agent.ready(), true);
    const lookup = await agent.nodeLookup().lookup(infos[1]?.name.split('/').pop() ?? '');
    assert.equal(lookup?.capacityBytes, SIZE);
    const scans = zfs.calls.filter((c) => c.includes(' -r'));
    assert.deepEqual(scans, [`get ${PARENT} -r`], 'one recursive scan for the parent');
    // Constant: publisher, presence (pool health, parent, the pool's parent record) and one scan, whatever N is.
    assert.ok(zfs.calls.length <= 12, `zfs calls: ${zfs.calls.join('; ')}`);
    const writes = server.requests.filter({ path: /zfsvolumes/ }).filter((r) => r.method !== 'GET');
    assert.deepEqual(writes, []);
  } finally {
    await agent.stop();
    await server.close();
  }
});

/**
 * Controller-mode test rig: the fake API server (with core `nodes` registered), the controller's caches and
 * KubeBackend, the CSI Controller service on top, and a scripted agent answering for node-a and node-b.
 */
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import winston from 'winston';
import { controllerService } from '../../../src/csi/controller/index.js';
import { DriverError } from '../../../src/domain/errors.js';
import { TOPOLOGY_NODE_KEY } from '../../../src/domain/types.js';
import type { CallContext, ServiceImpl } from '../../../src/grpc/handler.js';
import type { CreateVolumeRequest__Output } from '../../../src/grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { KubeApi } from '../../../src/store/kube/api.js';
import { ControllerCaches } from '../../../src/store/kube/controller-caches.js';
import { KubeBackend } from '../../../src/store/kube/kube-backend.js';
import { NodeLossMonitor, coreNodeExists } from '../../../src/store/kube/node-loss.js';
import { API_VERSION, PLURAL } from '../../../src/store/kube/resources.js';
import { FakeApiServer, fakeKubeConfig, type JsonObject } from '../../k8s/fake-apiserver/index.js';
import { ScriptedAgent } from './scripted-agent.js';

export const GiB = 1n << 30n;
export const silent = winston.createLogger({ silent: true });

/** Core v1 Node, cluster-scoped, as the real registry serves it (for node-loss checks). */
export const CORE_NODES = {
  group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, statusSubresource: true,
  requireResourceVersionOnUpdate: false, tracksGeneration: false, strategicMerge: true,
} as const;

export interface Rig {
  readonly server: FakeApiServer;
  readonly caches: ControllerCaches;
  readonly api: KubeApi;
  readonly backend: KubeBackend;
  readonly monitor: NodeLossMonitor;
  readonly svc: ServiceImpl;
  readonly agents: readonly [ScriptedAgent, ScriptedAgent];
  readonly agent: ScriptedAgent;
  close(): Promise<void>;
}

export async function publishNode(api: KubeApi, name: string, parents: [string, bigint][]): Promise<void> {
  const body = { apiVersion: API_VERSION, kind: 'ZfsNode', metadata: { name }, spec: {} };
  if ((await api.get(PLURAL.node, name)) === undefined) await api.create(PLURAL.node, body);
  await api.patchStatus(PLURAL.node, name, {
    parents: parents.map(([parent, avail]) => ({
      parent, pool: parent.split('/')[0] ?? parent, health: 'ONLINE',
      availableBytes: avail.toString(), usedBytes: '0', retiredBytes: '1000',
    })),
  });
}

export async function startRig(): Promise<Rig> {
  const server = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
  server.register(CORE_NODES);
  for (const name of ['node-a', 'node-b']) server.seed('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } } as JsonObject);
  const kc = fakeKubeConfig(server);
  const caches = new ControllerCaches(kc, silent);
  const monitor = new NodeLossMonitor({
    api: caches.api, volumes: caches.volumes, snapshots: caches.snapshots, nodes: caches.nodes,
    nodeExists: coreNodeExists(kc), log: silent, intervalMs: 60_000,
  });
  const backend = new KubeBackend({
    api: caches.api, volumes: caches.volumes, snapshots: caches.snapshots, nodes: caches.nodes, log: silent,
    synced: () => caches.synced(), nodeGone: (n) => monitor.isGone(n), copyWaitMs: 300,
  });
  const agents = [new ScriptedAgent(kc, 'node-a'), new ScriptedAgent(kc, 'node-b')] as const;
  await Promise.all([caches.start(), ...agents.map((a) => a.start())]);
  await publishNode(caches.api, 'node-a', [['tank/csi', 100n * GiB]]);
  await publishNode(caches.api, 'node-b', [['pool2/csi', 50n * GiB], ['pool2/other', 10n * GiB]]);
  await until('ZfsNodes in the cache', () => caches.nodes.list().filter((n) => (n.status?.parents?.length ?? 0) > 0).length === 2);
  return {
    server, caches, api: caches.api, backend, monitor, agents, agent: agents[0],
    svc: controllerService({ backend, driverName: 'zfs.csi.dev' }),
    async close() {
      await monitor.stop();
      await Promise.all([caches.stop(), ...agents.map((a) => a.stop())]);
      await server.close();
    },
  };
}

/** A call context whose signal ends after ms (the CSI call's deadline). */
export function call(ms = 5000): CallContext {
  return { signal: AbortSignal.timeout(ms), log: silent, requestId: 'test', deadline: new Date(Date.now() + ms) };
}

export async function invoke<Res>(svc: ServiceImpl, method: string, request: object, ms?: number): Promise<Res> {
  const spec = svc[method];
  assert.ok(spec, `method ${method} is served`);
  return (await spec.handle(request as never, call(ms))) as Res;
}

export async function rejects(promise: Promise<unknown>, codes: string | readonly string[], message?: RegExp): Promise<DriverError> {
  let caught: DriverError | undefined;
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DriverError, `expected a DriverError, got ${String(err)}`);
    const allowed = typeof codes === 'string' ? [codes] : codes;
    assert.ok(allowed.includes(err.code), `code ${err.code} not in ${allowed.join('|')}: ${err.message}`);
    if (message) assert.match(err.message, message);
    caught = err;
    return true;
  });
  assert.ok(caught);
  return caught;
}

export async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function createReq(over: Partial<CreateVolumeRequest__Output> = {}): CreateVolumeRequest__Output {
  return {
    name: 'pvc-1',
    capacity_range: { required_bytes: String(GiB), limit_bytes: '0' },
    volume_capabilities: [{ mount: { fs_type: '', mount_flags: [], volume_mount_group: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' }, access_type: 'mount' }],
    parameters: {},
    secrets: {},
    volume_content_source: null,
    accessibility_requirements: null,
    mutable_parameters: {},
    ...over,
  };
}

export function topo(node: string): { segments: Record<string, string> } {
  return { segments: { [TOPOLOGY_NODE_KEY]: node } };
}

/** Volume resources as stored by the API server (not the controller's cache). */
export function storedObjects(server: FakeApiServer, plural: string): JsonObject[] {
  return server.store.list(server.registry.all().find((t) => t.plural === plural) ?? assert.fail(`no ${plural} type`), undefined)
    .map(([, o]) => o);
}

export const storedVolumes = (server: FakeApiServer): JsonObject[] => storedObjects(server, 'zfsvolumes');

export async function deleteCoreNode(server: FakeApiServer, name: string): Promise<void> {
  await fakeKubeConfig(server).makeApiClient(CoreV1Api).deleteNode({ name });
}

/** A minimal valid ZfsVolume body named `name` (a Pending record as the controller writes it). */
export const volumeBody = (name: string): object => ({
  apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name },
  spec: {
    csiName: name, volumeId: name, nodeName: 'n1', parentDataset: 'tank/csi', requestedBytes: '1',
    properties: {}, quotaType: 'refquota', thin: true,
  },
});

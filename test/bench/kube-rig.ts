/**
 * Kubernetes mode for the benchmark: the fake API server in the benchmark process (DESIGN.md §6, §7: "fake
 * API server"), a kubeconfig file for it, a core Node object (the controller marks the resources of a
 * missing Node Lost), and `zfs-csi serve --mode controller|node` processes against it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import { FakeApiServer, fakeKubeConfig, type JsonObject } from '../k8s/fake-apiserver/index.js';
import { ServeProcess } from '../e2e/processes.js';
import { CORE_NODES } from '../store/kube/harness.js';
import type { Scratch } from './scratch.js';

export const BENCH_NODE = 'bench-node';

export interface KubeRig {
  readonly server: FakeApiServer;
  readonly kubeconfig: string;
}

/** A fake API server (closed at scratch cleanup) with the node's core Node object, and its kubeconfig file. */
export async function startKubeRig(scratch: Scratch, dir: string): Promise<KubeRig> {
  const server = await FakeApiServer.start({ bookmarkIntervalMs: 1000, historyLimit: 50_000 });
  scratch.onCleanup(() => server.close());
  server.register(CORE_NODES);
  server.seed('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: BENCH_NODE } } as JsonObject);
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fakeKubeConfig(server).exportConfig(), { mode: 0o600 });
  return { server, kubeconfig };
}

/** A `serve` process, stopped at scratch cleanup (and by the caller as soon as it is done with it). */
export async function serveBench(scratch: Scratch, name: string, socket: string, flags: readonly string[]): Promise<ServeProcess> {
  const endpoint = `unix://${socket}`;
  const p = new ServeProcess(name, endpoint, ['--endpoint', endpoint, '--log-level', 'warn', ...flags]);
  scratch.onCleanup(async () => {
    await p.stop();
    p.close();
  });
  await p.start();
  return p;
}

export function startAgent(scratch: Scratch, rig: KubeRig, parent: string, dir: string, extraFlags: readonly string[] = []): Promise<ServeProcess> {
  return serveBench(scratch, 'bench-agent', join(dir, 'node.sock'), [
    '--mode', 'node', '--node-id', BENCH_NODE, '--parent', parent, '--mount-root', join(dir, 'mounts'), '--kubeconfig', rig.kubeconfig,
    ...extraFlags,
  ]);
}

export function startController(scratch: Scratch, rig: KubeRig, dir: string): Promise<ServeProcess> {
  return serveBench(scratch, 'bench-controller', join(dir, 'controller.sock'), ['--mode', 'controller', '--kubeconfig', rig.kubeconfig]);
}

export const benchTopology = { segments: { [TOPOLOGY_NODE_KEY]: BENCH_NODE } };

/** Waits until the controller has the node's ZfsNode (placement needs its capacity). */
export async function waitForCapacity(controller: ServeProcess, node = BENCH_NODE, timeoutMs = 30_000): Promise<void> {
  const topology = { segments: { [TOPOLOGY_NODE_KEY]: node } };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await controller.client.controller.GetCapacity({ accessible_topology: topology }).catch(() => undefined);
    if (r !== undefined && BigInt(r.available_capacity) > 0n) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the controller never saw ${node}'s capacity:\n${controller.logs()}`);
}

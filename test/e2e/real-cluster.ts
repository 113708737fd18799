/**
 * What the end-to-end suite needs from the API server besides its own resources (DESIGN.md §6: the same
 * suite runs against a real server when ZFS_CSI_TEST_KUBECONFIG is set): the CRDs from the chart, and core
 * Node objects for node-a and node-b, since the controller marks the resources of a missing Node Lost.
 * On the fake server `nodes` is registered first (it serves only the driver's resources by default).
 */
import {
  ApiextensionsV1Api, ApiException, CoreV1Api, CustomObjectsApi, type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/store/kube/resources.js';
import { crd, crdNames } from '../chart/chart.js';
import type { KubeTarget } from '../k8s/fake-apiserver/index.js';
import { CORE_NODES } from '../store/kube/harness.js';

const conflict = (err: unknown): boolean => err instanceof ApiException && err.code === 409;
const notFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

/** Applies the chart's CRDs (a real server only; the fake knows them) and waits until they are served. */
export async function applyCrds(target: KubeTarget): Promise<void> {
  if (target.fake) return;
  const ext = target.kc.makeApiClient(ApiextensionsV1Api);
  for (const file of crdNames()) {
    try {
      await ext.createCustomResourceDefinition({ body: crd(file) as unknown as V1CustomResourceDefinition });
    } catch (err) {
      if (!conflict(err)) throw err;
    }
  }
  const custom = target.kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + 30_000;
  for (const plural of Object.values(PLURAL)) {
    for (;;) {
      try {
        await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural, limit: 1 });
        break;
      } catch (err) {
        if (!notFound(err) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

/** Creates the core Node objects (kept if they exist). */
export async function ensureCoreNodes(target: KubeTarget, names: readonly string[]): Promise<void> {
  if (target.fake && !target.fake.registry.all().some((t) => t.plural === 'nodes')) target.fake.register(CORE_NODES);
  const core = target.kc.makeApiClient(CoreV1Api);
  for (const name of names) {
    try {
      await core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'zfs.csi.dev/e2e': 'true' } } } });
    } catch (err) {
      if (!conflict(err)) throw err;
    }
  }
}

/**
 * Removes what the run left on a real server: the nodes' ZfsVolumes, ZfsSnapshots and ZfsTransfers (finalizers cleared:
 * their pools are gone), the ZfsNodes and the core Nodes. The fake server is simply closed.
 */
export async function removeClusterObjects(target: KubeTarget, nodes: readonly string[]): Promise<void> {
  if (target.fake) return;
  const custom = target.kc.makeApiClient(CustomObjectsApi);
  const core = target.kc.makeApiClient(CoreV1Api);
  const ignoreGone = (err: unknown): void => {
    if (!notFound(err)) throw err;
  };
  for (const node of nodes) {
    for (const plural of [PLURAL.volume, PLURAL.snapshot, PLURAL.transfer]) {
      const list = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural, labelSelector: `zfs.csi.dev/node=${node}` })) as { items?: { metadata?: { name?: string } }[] };
      for (const item of list.items ?? []) {
        const name = item.metadata?.name;
        if (!name) continue;
        await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural, name, body: [{ op: 'add', path: '/metadata/finalizers', value: [] }] }).catch(ignoreGone);
        await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).catch(ignoreGone);
      }
    }
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.node, name: node }).catch(ignoreGone);
    await core.deleteNode({ name: node }).catch(ignoreGone);
  }
}

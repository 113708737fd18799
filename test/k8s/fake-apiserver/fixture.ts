/**
 * Shared set-up for the fake API server's own tests: a running server, a KubeConfig for it, a
 * CustomObjectsApi, and small polling helpers for asynchronous (watch) assertions.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { fakeKubeConfig } from './kubeconfig.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { ZFS_CSI_GROUP, ZFS_CSI_VERSION } from './resources.js';
import { FakeApiServer, type FakeApiServerOptions } from './server.js';

export interface Fixture {
  readonly server: FakeApiServer;
  readonly kc: KubeConfig;
  readonly api: CustomObjectsApi;
  close(): Promise<void>;
}

/** The REST-semantics tests use free-form specs, so the chart's CRD rules are off unless asked for. */
export async function startFixture(options: FakeApiServerOptions = {}): Promise<Fixture> {
  const server = await FakeApiServer.start({ crdValidation: false, ...options });
  const kc = fakeKubeConfig(server);
  return { server, kc, api: kc.makeApiClient(CustomObjectsApi), close: () => server.close() };
}

export const VOLUMES = { group: ZFS_CSI_GROUP, version: ZFS_CSI_VERSION, plural: 'zfsvolumes' } as const;
export const VOLUMES_PATH = `/apis/${ZFS_CSI_GROUP}/${ZFS_CSI_VERSION}/zfsvolumes`;

export function volume(name: string, spec: JsonObject = {}, labels?: Record<string, string>): JsonObject {
  const metadata: JsonObject = { name };
  if (labels !== undefined) metadata['labels'] = { ...labels };
  return { apiVersion: `${ZFS_CSI_GROUP}/${ZFS_CSI_VERSION}`, kind: 'ZfsVolume', metadata, spec };
}

/** Narrows a client-node result (typed `any`) to a JSON object, failing loudly otherwise. */
export function asObject(value: unknown): JsonObject {
  if (!isObject(value)) throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  return value;
}

export function field(obj: unknown, dotted: string): Json | undefined {
  let current: Json | undefined = asObject(obj);
  for (const step of dotted.split('.')) current = isObject(current) ? current[step] : undefined;
  return current;
}

export function names(list: unknown): string[] {
  const items = asObject(list)['items'];
  if (!Array.isArray(items)) throw new Error('list has no items');
  return items.map((item) => String(field(item, 'metadata.name')));
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * CSI calls as the sidecars and kubelet make them in the end-to-end suite: CreateVolume with topology through
 * the controller's socket, Node calls on the owning agent's socket, files written and read through a
 * publish as a pod would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError } from '../../src/domain/errors.js';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import type { CsiClient } from '../../src/grpc/client.js';
import type { E2eNode } from './cluster.js';

export const MiB = 1n << 20n;
export const CAP = { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } };
/** Every call carries a deadline, as the sidecars' do; the controller's waits end with it. */
export const DEADLINE = { deadlineMs: 30_000 };

export type Source = { readonly snapshot: string } | { readonly volume: string };

export interface VolumeArgs {
  readonly name: string;
  readonly bytes?: bigint;
  /** Strict topology: requisite and preferred both name only this node (external-provisioner --strict-topology). */
  readonly node?: string;
  readonly source?: Source;
  /** StorageClass parameters. */
  readonly params?: Readonly<Record<string, string>>;
}

const segment = (node: string): { segments: Record<string, string> } => ({ segments: { [TOPOLOGY_NODE_KEY]: node } });

export function volumeRequest(args: VolumeArgs) {
  const source = args.source;
  return {
    name: args.name,
    capacity_range: { required_bytes: String(args.bytes ?? 32n * MiB) },
    volume_capabilities: [CAP],
    parameters: { ...(args.params ?? {}) },
    ...(args.node === undefined ? {} : { accessibility_requirements: { requisite: [segment(args.node)], preferred: [segment(args.node)] } }),
    ...(source === undefined
      ? {}
      : 'snapshot' in source
        ? { volume_content_source: { snapshot: { snapshot_id: source.snapshot } } }
        : { volume_content_source: { volume: { volume_id: source.volume } } }),
  };
}

export interface CreatedVolume {
  readonly id: string;
  /** The node accessible_topology names. */
  readonly node: string;
  readonly bytes: bigint;
}

export async function createVolume(c: CsiClient, args: VolumeArgs): Promise<CreatedVolume> {
  const { volume } = await c.controller.CreateVolume(volumeRequest(args), DEADLINE);
  assert.ok(volume, `CreateVolume ${args.name} returned no volume`);
  const topology = volume.accessible_topology;
  assert.equal(topology.length, 1, 'a volume is reachable from exactly one node');
  return { id: volume.volume_id, node: topology[0]?.segments[TOPOLOGY_NODE_KEY] ?? '', bytes: BigInt(volume.capacity_bytes) };
}

/**
 * CreateVolume as the external-provisioner calls it: again after ABORTED (a restore whose copy is still
 * running, issue #8), every 200 ms until it answers or the deadline passes. Returns the ABORTED messages.
 */
export async function createVolumeRetrying(c: CsiClient, args: VolumeArgs, timeoutMs = 120_000): Promise<{ volume: CreatedVolume; aborted: string[] }> {
  const aborted: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return { volume: await createVolume(c, args), aborted };
    } catch (err) {
      if (!(err instanceof DriverError && err.code === 'ABORTED') || Date.now() > deadline) throw err;
      aborted.push(err.message);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function createSnapshot(c: CsiClient, name: string, volumeId: string): Promise<string> {
  const { snapshot } = await c.controller.CreateSnapshot({ name, source_volume_id: volumeId }, DEADLINE);
  assert.ok(snapshot, `CreateSnapshot ${name} returned no snapshot`);
  assert.equal(snapshot.ready_to_use, true);
  return snapshot.snapshot_id;
}

/** How long publish() retries NOT_FOUND: the agent's watch may lag the controller's answer by a moment. */
const PUBLISH_LAG_MS = 5_000;

/**
 * NodePublishVolume on the node's own agent onto a fresh pod target; the target path. The agent knows a
 * volume from its own watch, which may deliver the Ready status a few milliseconds after the controller's
 * watch did (seen under load: CreateVolume answered, the publish 16 ms later NOT_FOUND). Kubelet retries
 * a failed publish; so does this, for NOT_FOUND only and briefly.
 */
export async function publish(n: E2eNode, volumeId: string, readonly = false): Promise<string> {
  const target = join(n.dir, 'pods', `${volumeId}-${randomBytes(3).toString('hex')}`);
  const request = { volume_id: volumeId, target_path: target, volume_capability: CAP, readonly };
  const deadline = Date.now() + PUBLISH_LAG_MS;
  for (;;) {
    try {
      await n.agent.client.node.NodePublishVolume(request, DEADLINE);
      return target;
    } catch (err) {
      if (!(err instanceof DriverError && err.code === 'NOT_FOUND') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export async function unpublish(n: E2eNode, volumeId: string, target: string): Promise<void> {
  await n.agent.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target }, DEADLINE);
}

/** Writes a file through a mount and fsyncs it (a snapshot taken next must see it). */
export async function writeSynced(path: string, content: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The file's content as a pod sees it through a fresh read-only publish (unpublished afterwards). */
export async function readThroughPublish(n: E2eNode, volumeId: string, file: string): Promise<string> {
  const target = await publish(n, volumeId, true);
  try {
    return await readFile(join(target, file), 'utf8');
  } finally {
    await unpublish(n, volumeId, target);
  }
}

export { expectCode, listedSnapshotIds, listedVolumeIds, sleep } from '../safety/fixtures.js';

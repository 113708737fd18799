/**
 * CSI calls the safety tests repeat: make volumes and snapshots, publish them into scratch targets, and put
 * a known file in or read it back through a bind mount, as a pod would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError, type ErrorCode } from '../../src/domain/errors.js';
import type { CsiClient } from '../../src/grpc/client.js';
import type { Driver } from '../support/driver.js';

export const MiB = 1n << 20n;
export const CAP = { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } };

export type Source = { readonly snapshot: string } | { readonly volume: string };

export interface VolumeArgs {
  readonly name: string;
  readonly bytes?: bigint;
  readonly source?: Source;
  readonly params?: Readonly<Record<string, string>>;
}

/** The CreateVolume request for args; the crash tests fire the very same request again to retry. */
export function volumeRequest(args: VolumeArgs) {
  const source = args.source;
  return {
    name: args.name,
    capacity_range: { required_bytes: String(args.bytes ?? 32n * MiB) },
    volume_capabilities: [CAP],
    parameters: { ...(args.params ?? {}) },
    ...(source === undefined
      ? {}
      : 'snapshot' in source
        ? { volume_content_source: { snapshot: { snapshot_id: source.snapshot } } }
        : { volume_content_source: { volume: { volume_id: source.volume } } }),
  };
}

/** CreateVolume; the new volume's ID. */
export async function createVolume(c: CsiClient, args: VolumeArgs): Promise<string> {
  const { volume } = await c.controller.CreateVolume(volumeRequest(args));
  assert.ok(volume, `CreateVolume ${args.name} returned no volume`);
  return volume.volume_id;
}

/** CreateSnapshot; the new snapshot's ID. */
export async function createSnapshot(c: CsiClient, name: string, volumeId: string): Promise<string> {
  const { snapshot } = await c.controller.CreateSnapshot({ name, source_volume_id: volumeId });
  assert.ok(snapshot, `CreateSnapshot ${name} returned no snapshot`);
  assert.equal(snapshot.ready_to_use, true);
  return snapshot.snapshot_id;
}

/** NodePublishVolume onto a fresh target below the driver's directory; the target path. */
export async function publish(d: Driver, volumeId: string, readonly = false): Promise<string> {
  const base = join(d.dir, 'targets');
  await mkdir(base, { recursive: true });
  const target = join(base, `${volumeId}-${randomBytes(3).toString('hex')}`);
  await d.client.node.NodePublishVolume({ volume_id: volumeId, target_path: target, volume_capability: CAP, readonly });
  return target;
}

export async function unpublish(d: Driver, volumeId: string, target: string): Promise<void> {
  await d.client.node.NodeUnpublishVolume({ volume_id: volumeId, target_path: target });
}

/** Publishes the volume, writes the file (fsync: a snapshot must see it) and leaves it published. */
export async function publishAndWrite(d: Driver, volumeId: string, file: string, content: string): Promise<string> {
  const target = await publish(d, volumeId);
  const handle = await open(join(target, file), 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return target;
}

/** The file's content as seen through a fresh read-only publish of the volume (unpublished afterwards). */
export async function readThroughPublish(d: Driver, volumeId: string, file: string): Promise<string> {
  const target = await publish(d, volumeId, true);
  try {
    return await readFile(join(target, file), 'utf8');
  } finally {
    await unpublish(d, volumeId, target);
  }
}

/** Asserts the call fails with the given CSI code. */
export async function expectCode(call: Promise<unknown>, code: ErrorCode, what: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof DriverError, `${what}: expected ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    return true;
  });
}

/** Every volume ID ListVolumes reports, following next_token, sorted. */
export async function listedVolumeIds(c: CsiClient): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const page = await c.controller.ListVolumes({ starting_token: token, max_entries: 50 });
    for (const e of page.entries) if (e.volume) ids.push(e.volume.volume_id);
    token = page.next_token;
  } while (token !== '');
  return ids.sort();
}

/** Every snapshot ID ListSnapshots reports, following next_token, sorted. */
export async function listedSnapshotIds(c: CsiClient): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const page = await c.controller.ListSnapshots({ starting_token: token, max_entries: 50 });
    for (const e of page.entries) if (e.snapshot) ids.push(e.snapshot.snapshot_id);
    token = page.next_token;
  } while (token !== '');
  return ids.sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

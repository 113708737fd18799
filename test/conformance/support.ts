/**
 * Shared pieces of the conformance suites (the csi-sanity checks, run against a real standalone driver on the
 * zfs-fuse pool): request builders, error assertions, list walkers and pool/mount-table snapshots.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CsiCallError } from '../../src/grpc/client.js';
import type { CreateVolumeRequest } from '../../src/grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { Snapshot__Output } from '../../src/grpc/gen/csi/v1/Snapshot.js';
import type { Volume__Output } from '../../src/grpc/gen/csi/v1/Volume.js';
import type { VolumeCapability } from '../../src/grpc/gen/csi/v1/VolumeCapability.js';
import type { Driver } from '../support/driver.js';
import { zfsTree } from '../support/pool.js';

/** csi-sanity's acceptance run: test volume size 1 GiB, expansion size 2 GiB. */
export const GiB = 1n << 30n;
export const VOLUME_BYTES = GiB;
export const EXPAND_BYTES = 2n * GiB;

export type AccessModeName =
  | 'SINGLE_NODE_WRITER'
  | 'SINGLE_NODE_READER_ONLY'
  | 'SINGLE_NODE_SINGLE_WRITER'
  | 'SINGLE_NODE_MULTI_WRITER';

/** A mount capability, as csi-sanity's TestVolumeCapabilityWithAccessType builds it. */
export function mountCap(mode: AccessModeName = 'SINGLE_NODE_WRITER'): VolumeCapability {
  return { mount: {}, access_mode: { mode } };
}

export const WRITER_CAPS: VolumeCapability[] = [mountCap()];

/** csi-sanity's MakeCreateVolumeReq: required = limit = the test size. */
export function volumeRequest(name: string, bytes: bigint = VOLUME_BYTES, extra: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest {
  return {
    name,
    volume_capabilities: WRITER_CAPS,
    capacity_range: { required_bytes: bytes.toString(), limit_bytes: bytes.toString() },
    ...extra,
  };
}

export async function createVolume(d: Driver, name: string, bytes: bigint = VOLUME_BYTES, extra: Partial<CreateVolumeRequest> = {}): Promise<Volume__Output> {
  const { volume } = await d.client.controller.CreateVolume(volumeRequest(name, bytes, extra));
  assert.ok(volume, `CreateVolume(${JSON.stringify(name)}) returned no volume`);
  assert.notEqual(volume.volume_id, '');
  return volume;
}

export async function createSnapshot(d: Driver, name: string, sourceVolumeId: string): Promise<Snapshot__Output> {
  const { snapshot } = await d.client.controller.CreateSnapshot({ name, source_volume_id: sourceVolumeId });
  assert.ok(snapshot, `CreateSnapshot(${JSON.stringify(name)}) returned no snapshot`);
  assert.equal(snapshot.ready_to_use, true);
  return snapshot;
}

/** Awaits a call that must fail with `code`; returns the error for further checks. */
export async function rejectsWith(call: Promise<unknown>, code: string, what = 'the call'): Promise<CsiCallError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof CsiCallError, `${what}: expected a CsiCallError, got ${String(err)}`);
    assert.equal(err.grpcCodeName, code, `${what}: expected ${code}, got ${err.message}`);
    return err;
  }
  assert.fail(`${what}: expected ${code}, but it succeeded`);
}

/** A name no other test in this driver uses (csi-sanity's UniqueString). */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The dataset a volume lives in (DESIGN.md §3: `<parent>/<volume-id>`). */
export const datasetOf = (d: Driver, volumeId: string): string => `${d.parent}/${volumeId}`;

/** Every mount point in this process's mount namespace, sorted. Other suites mount in parallel: compare only below dirs you own. */
export async function mountPoints(): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p !== '')
    .sort();
}

/** Mount points at or below any of `dirs` (to prove a refused call mounted nothing there). */
export async function mountsBelow(...dirs: string[]): Promise<string[]> {
  return (await mountPoints()).filter((p) => dirs.some((dir) => p === dir || p.startsWith(`${dir}/`)));
}

/** A fresh, existing parent directory for publish targets (as kubelet makes); the driver makes the target. */
export async function targetParent(d: Driver, label = 'pod'): Promise<string> {
  const dir = join(d.dir, unique(label));
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Asserts the scenario left nothing under the driver's parent dataset. */
export async function assertPoolEmpty(d: Driver, why = 'every object was deleted'): Promise<void> {
  assert.deepEqual(await zfsTree(d.parent), [], `nothing may be left under ${d.parent}: ${why}`);
}

/** Walks ListVolumes with max_entries until next_token is empty; returns the IDs in order. */
export async function listAllVolumeIds(d: Driver, maxEntries: number): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  for (let page = 0; page < 1000; page++) {
    const r = await d.client.controller.ListVolumes({ max_entries: maxEntries, starting_token: token });
    if (maxEntries > 0) assert.ok(r.entries.length <= maxEntries, 'max_entries must be honoured');
    for (const e of r.entries) ids.push(e.volume?.volume_id ?? '');
    token = r.next_token;
    if (token === '') return ids;
  }
  assert.fail('ListVolumes did not finish within 1000 pages');
}

/** Walks ListSnapshots the same way. */
export async function listAllSnapshotIds(d: Driver, maxEntries: number): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  for (let page = 0; page < 1000; page++) {
    const r = await d.client.controller.ListSnapshots({ max_entries: maxEntries, starting_token: token });
    if (maxEntries > 0) assert.ok(r.entries.length <= maxEntries, 'max_entries must be honoured');
    for (const e of r.entries) ids.push(e.snapshot?.snapshot_id ?? '');
    token = r.next_token;
    if (token === '') return ids;
  }
  assert.fail('ListSnapshots did not finish within 1000 pages');
}

/** Asserts a list has no repeated element. */
export function assertDistinct(values: readonly string[], what: string): void {
  assert.equal(new Set(values).size, values.length, `${what} must not repeat an entry: ${values.join(', ')}`);
}

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Driver } from '../support/driver.js';
import { makePki, type TestPki } from '../support/certs.js';
import { TEST_POOL, TEST_POOL2, zfsProp, zfsTree } from '../support/pool.js';
import { adminGet, ctl, freePort, peerSpec, startPeer, type PeerSpec } from './peers.js';

// Issue #8 part 4: two standalone driver processes (two zfs-fuse pools), transfers started with
// `zfs-csi ctl`, restores through gRPC on the other node, and SIGKILL of either side mid-stream.
const CAP = [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } }];
let pki: TestPki;
let specA: PeerSpec & { readonly metricsPort: number };
let specB: PeerSpec;
let a: Driver;
let b: Driver;

before(async () => {
  pki = await makePki();
  const [pa, pb] = [await freePort(), await freePort()];
  specA = await peerSpec('node-a', TEST_POOL, pki, pa, { 'node-b': pb });
  specB = await peerSpec('node-b', TEST_POOL2, pki, pb, { 'node-a': pa }, 5);
  a = await startPeer(specA);
  b = await startPeer(specB);
});

after(async () => {
  await a.cleanup();
  await b.cleanup();
});

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function volumeWith(name: string, data: Buffer): Promise<string> {
  const { volume } = await a.client.controller.CreateVolume({ name, capacity_range: { required_bytes: String(512 << 20) }, volume_capabilities: CAP });
  assert.ok(volume);
  await writeFile(join(a.mountRoot, volume.volume_id, 'data'), data);
  return volume.volume_id;
}

async function snapshotOf(volumeId: string, name: string): Promise<string> {
  const { snapshot } = await a.client.controller.CreateSnapshot({ name, source_volume_id: volumeId });
  assert.ok(snapshot);
  return snapshot.snapshot_id;
}

/** `ctl transfer-start --wait` on node-a; the final status it printed. */
async function transfer(snapshotId: string): Promise<Record<string, unknown>> {
  const r = await ctl(a, ['transfer-start', '--snapshot-id', snapshotId, '--to', 'node-b', '--wait']);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.json as Record<string, unknown>;
}

/** CreateVolume from the snapshot on node-b, and the restored file's bytes. */
async function restoreOnB(snapshotId: string, name: string): Promise<Buffer> {
  const { volume } = await b.client.controller.CreateVolume({
    name, capacity_range: { required_bytes: String(512 << 20) }, volume_capabilities: CAP,
    volume_content_source: { snapshot: { snapshot_id: snapshotId } },
  });
  assert.ok(volume);
  assert.deepEqual(volume.accessible_topology[0]?.segments, { 'zfs.csi.dev/node': 'node-b' });
  return readFile(join(b.mountRoot, volume.volume_id, 'data'));
}

test('ctl transfer-start sends full then incremental; node-b restores each snapshot byte for byte through gRPC', async () => {
  const first = randomBytes(4 << 20);
  const vol = await volumeWith('moving', first);
  const s1 = await snapshotOf(vol, 'moving-1');
  const full = await transfer(s1);
  assert.equal(full['state'], 'succeeded');
  assert.equal(full['mode'], 'full');
  assert.equal(sha(await restoreOnB(s1, 'moving-r1')), sha(first));

  const more = randomBytes(256 << 10);
  await appendFile(join(a.mountRoot, vol, 'data'), more); // a small change: the incremental carries only it
  const second = Buffer.concat([first, more]);
  const s2 = await snapshotOf(vol, 'moving-2');
  const inc = await transfer(s2);
  assert.equal(inc['mode'], 'incremental');
  assert.equal(inc['base'], s1);
  assert.ok(BigInt(String(inc['bytes'])) < BigInt(String(full['bytes'])) / 4n, `incremental ${String(inc['bytes'])} B vs full ${String(full['bytes'])} B`);
  assert.equal(sha(await restoreOnB(s2, 'moving-r2')), sha(second));

  // The copy is a retired replica on node-b: its snapshots are listed there, the copy itself is not a volume.
  const copy = `${specB.parent}/${vol}`;
  assert.equal(await zfsProp(copy, 'zfs.csi.dev:replica-of'), 'node-a');
  const listed = await b.client.controller.ListVolumes({});
  assert.ok(!listed.entries.some((e) => e.volume?.volume_id === vol), 'the replica is not a volume of node-b');
  const snaps = await b.client.controller.ListSnapshots({ source_volume_id: vol });
  assert.deepEqual(snaps.entries.map((e) => e.snapshot?.snapshot_id).sort(), [s1, s2].sort());

  const again = await transfer(s2);
  assert.equal(again['mode'], 'present', 'a retried transfer sends nothing');
  const metrics = await (await fetch(`http://127.0.0.1:${specA.metricsPort}/metrics`)).text();
  assert.match(metrics, /zfs_csi_transfers_total\{peer="node-b",mode="full",outcome="succeeded"\} 1/);
  assert.match(metrics, /zfs_csi_transfers_total\{peer="node-b",mode="incremental",outcome="succeeded"\} 1/);
  assert.match(metrics, /zfs_csi_transfer_last_success_timestamp_seconds\{peer="node-b"\} \d+/);
  const list = await ctl(a, ['transfer-list']);
  assert.equal(list.exitCode, 0);
  assert.equal((list.json as { transfers: unknown[] }).transfers.length, 3);
});

test('ctl refuses what cannot be sent: an unknown peer, a snapshot of another node, a bad transfer id', async () => {
  const vol = await volumeWith('refusals', randomBytes(4096));
  const snap = await snapshotOf(vol, 'refusals-1');
  const peer = await ctl(a, ['transfer-start', '--snapshot-id', snap, '--to', 'node-c']);
  assert.equal(peer.exitCode, 1);
  assert.match(peer.stderr, /INVALID_ARGUMENT: "node-c" is not a configured --peer/);
  const foreign = await ctl(b, ['transfer-start', '--snapshot-id', snap, '--to', 'node-a']);
  assert.equal(foreign.exitCode, 1);
  assert.match(foreign.stderr, /NOT_FOUND/);
  const unknown = await ctl(a, ['transfer-watch', '--transfer-id', 'xfer-nope']);
  assert.equal(unknown.exitCode, 1);
  assert.match(unknown.stderr, /NOT_FOUND: no transfer xfer-nope/);
});

/** Starts a transfer of a big snapshot and waits until the stream is under way. */
async function startBigTransfer(name: string): Promise<{ vol: string; snap: string; data: Buffer; id: string }> {
  const data = randomBytes(160 << 20);
  const vol = await volumeWith(name, data);
  const snap = await snapshotOf(vol, `${name}-1`);
  const started = await ctl(a, ['transfer-start', '--snapshot-id', snap, '--to', 'node-b']);
  assert.equal(started.exitCode, 0, started.stderr);
  const id = String((started.json as Record<string, unknown>)['id']);
  for (let i = 0; i < 2000; i++) {
    const s = await adminGet(a, `/v1/transfers/${id}`);
    if (s['state'] !== 'running') assert.fail(`the transfer ended before it could be interrupted: ${JSON.stringify(s)}`);
    if (s['phase'] === 'sending' && BigInt(String(s['bytes'])) > 0n) return { vol, snap, data, id };
    await sleep(5);
  }
  return assert.fail('the stream never started');
}

/** Nothing of the volume on node-b's pool (a cut receive leaves nothing behind), waiting for zfs to let go. */
async function nothingOnB(vol: string): Promise<void> {
  const copy = `${specB.parent}/${vol}`;
  for (let i = 0; i < 100 && (await zfsTree(specB.parent)).some((n) => n.startsWith(copy)); i++) await sleep(200);
  assert.deepEqual((await zfsTree(specB.parent)).filter((n) => n.startsWith(copy)), []);
}

test('SIGKILL of the sender mid-stream: node-b keeps nothing; after a restart the transfer runs again cleanly', async () => {
  const { vol, snap, data } = await startBigTransfer('sender-killed');
  await a.kill();
  a.client.close();
  await nothingOnB(vol);
  a = await startPeer(specA);
  const again = await transfer(snap);
  assert.equal(again['mode'], 'full');
  assert.equal(sha(await restoreOnB(snap, 'sender-killed-r')), sha(data));
});

test('SIGKILL of the receiver mid-stream: the sender reports the failure, node-b keeps nothing, a retry succeeds', async () => {
  const { vol, snap, data, id } = await startBigTransfer('receiver-killed');
  await b.kill();
  b.client.close();
  const watched = await ctl(a, ['transfer-watch', '--transfer-id', id]);
  assert.equal(watched.exitCode, 1, 'the transfer failed');
  assert.match(watched.stderr, /error: (UNAVAILABLE|ABORTED|INTERNAL): transfer .* failed/);
  await nothingOnB(vol);
  b = await startPeer(specB);
  const again = await transfer(snap);
  assert.equal(again['state'], 'succeeded');
  assert.equal(sha(await restoreOnB(snap, 'receiver-killed-r')), sha(data));
});

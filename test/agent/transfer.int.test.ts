/**
 * Issue #8, Kubernetes mode: two node agents (zfs-fuse pools zfscsi and zfscsi2, one fake API server) copy
 * snapshots to each other as ZfsTransfers ask, over loopback mutual TLS. The sender writes progress and the
 * outcome into status; the receiver lets in only what a transfer names; a restore on the other node reads
 * back byte for byte; an agent killed mid-stream leaves nothing half-received and the transfer finishes
 * after it restarts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newTransferId } from '../../src/csi/ids.js';
import { ResourceCache } from '../../src/store/kube/cache.js';
import { decodeNode, decodeSnapshot, decodeVolume } from '../../src/store/kube/decode.js';
import { NodeLossMonitor } from '../../src/store/kube/node-loss.js';
import { PLURAL } from '../../src/store/kube/resources.js';
import { loadTls } from '../../src/transfer/tls.js';
import { sendTransfer } from '../../src/transfer/sender.js';
import { zfsProp, zfsTree } from '../support/pool.js';
import { MiB, silentLog, type AgentBench } from './harness.js';
import { transferStatusOf } from '../../src/agent/transfer-status.js';
import { digest, fill, TransferPair } from './transfer-pair.js';

let pair: TransferPair;
let a: AgentBench;
let b: AgentBench;

before(async () => {
  pair = await TransferPair.create();
  ({ a, b } = pair);
  await pair.start(a);
  await pair.start(b);
});
after(() => pair.cleanup());

/** A Ready volume of `bench` holding `mib` MiB of random data, and a Ready snapshot of it. */
async function volumeWithSnapshot(bench: AgentBench, mib: number, bytes = 64n * MiB): Promise<{ volume: string; snapshot: string; sum: string }> {
  const volume = await bench.createVolume({ bytes });
  await bench.waitReady(volume);
  const sum = await fill(bench, volume, 'data.bin', mib);
  const snapshot = await bench.createSnapshot(volume);
  await bench.waitSnapshot(snapshot, (s) => s?.status?.readyToUse === true);
  return { volume, snapshot, sum };
}

test('a ZfsTransfer copies a snapshot full, then incrementally; the other node restores it byte for byte', async () => {
  const { volume, snapshot: s1, sum: sum1 } = await volumeWithSnapshot(a, 8);
  const first = await pair.createTransfer({ snapshotId: s1, volumeId: volume, from: a, to: b });
  const done = await pair.waitFinished(first);
  assert.equal(done?.status?.phase, 'Succeeded', done?.status?.message);
  assert.equal(done?.status?.mode, 'full');
  assert.equal(done?.status?.attempts, 1);
  const copy = `${b.parent}/${volume}@${s1}`;
  assert.equal(done?.status?.targetSnapshot, copy);
  assert.equal(await zfsProp(copy, 'guid'), await zfsProp(`${a.parent}/${volume}@${s1}`, 'guid'), 'the copy is the same snapshot, by GUID');
  assert.equal(await zfsProp(`${b.parent}/${volume}`, 'zfs.csi.dev:replica-of'), a.node);
  const fullBytes = BigInt(done?.status?.bytes ?? '0');
  assert.ok(fullBytes > 8n * MiB, `full stream bytes ${fullBytes}`);

  // Restore on node b from node a's snapshot: the agent clones the copy.
  const restored = await b.createVolume({ source: { kind: 'snapshot', id: s1 }, bytes: 64n * MiB });
  const r = await b.waitReady(restored);
  assert.equal(await zfsProp(`${b.parent}/${restored}`, 'origin'), copy);
  assert.equal(r?.status?.code, undefined);
  assert.equal(await digest(b, restored, 'data.bin'), sum1);

  // A small change, a second snapshot: only the change travels.
  await fill(a, volume, 'more.bin', 1);
  const s2 = await a.createSnapshot(volume);
  await a.waitSnapshot(s2, (s) => s?.status?.readyToUse === true);
  const second = await pair.createTransfer({ snapshotId: s2, volumeId: volume, from: a, to: b });
  const inc = await pair.waitFinished(second);
  assert.equal(inc?.status?.phase, 'Succeeded', inc?.status?.message);
  assert.equal(inc?.status?.mode, 'incremental');
  assert.equal(inc?.status?.base, s1);
  assert.ok(BigInt(inc?.status?.bytes ?? '0') < fullBytes / 4n, `incremental ${inc?.status?.bytes} vs full ${fullBytes}`);
  assert.ok(b.agent?.driftReport.every((d) => !d.includes(volume)), `copies are not drift: ${JSON.stringify(b.agent?.driftReport)}`);
  // The metrics' feed: each transfer once, as it ended, with its mode and bytes.
  const reported = pair.finished.filter((t) => t.metadata.name === first || t.metadata.name === second).map(transferStatusOf);
  assert.deepEqual(reported.map((t) => [t.id, t.state, t.mode, t.peer]), [[first, 'succeeded', 'full', b.node], [second, 'succeeded', 'incremental', b.node]]);
  assert.equal(reported[0]?.bytes, done?.status?.bytes);
});

test('a second transfer of a snapshot the target holds sends nothing', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  const t1 = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  assert.equal((await pair.waitFinished(t1))?.status?.phase, 'Succeeded');
  const t2 = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  const again = await pair.waitFinished(t2);
  assert.equal(again?.status?.mode, 'present');
  assert.equal(again?.status?.bytes, '0');
});

test('a transfer naming a node as the sender of a snapshot it does not hold fails NOT_FOUND, nothing moves', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  // Written as if node b held node a's snapshot: node b's agent refuses to send what is not its own.
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: b, to: a });
  const t = await pair.waitFinished(name);
  assert.equal(t?.status?.phase, 'Failed');
  assert.equal(t?.status?.code, 'NOT_FOUND');
  assert.match(t?.status?.message ?? '', new RegExp(`not a snapshot of node ${b.node}`));
});

test('the receiver refuses a stream no ZfsTransfer names, or one that names another target', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  const tls = await loadTls(await pair.pki.node(a.node), a.node);
  const streams = (await pair.transferOptions(a)).streams;
  const port = b.agent?.transfers?.port ?? 0;
  const offer = (transfer: string): Promise<unknown> => sendTransfer(
    { zfs: a.zfs, streams, tls, node: a.node, stallMs: 10_000 },
    {
      transfer, dataset: `${a.parent}/${volume}`, volume: { id: volume, name: `pvc-${volume}`, params: { properties: {}, quotaType: 'refquota', thin: true } },
      snapshot: { id: snapshot, name: `snapshot-${snapshot}`, sizeBytes: 1n, createdMs: Date.now() },
      peer: { node: b.node, host: '127.0.0.1', port },
    },
    () => undefined, AbortSignal.timeout(30_000),
  );
  await assert.rejects(offer(newTransferId()), /FAILED_PRECONDITION|no ZfsTransfer .* exists/);
  const elsewhere = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: a, name: newTransferId() }).catch(() => undefined);
  assert.equal(elsewhere, undefined, 'the CRD refuses a transfer to the node itself');
  // A transfer of this snapshot to a third node: node a cannot use it to push into node b.
  const third = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: { node: 'node-elsewhere' } as AgentBench });
  await assert.rejects(offer(third), /its target is node-elsewhere, not this node/);
  assert.deepEqual((await zfsTree(b.parent)).filter((d) => d.includes(volume)), [], 'nothing was received');
});

test('the sender killed mid-stream: nothing half-received on the target, the restarted agent finishes it', async () => {
  const { volume, snapshot, sum } = await volumeWithSnapshot(a, 96, 128n * MiB);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  const running = await pair.waitTransfer(name, (t) => t?.status?.step === 'sending' && BigInt(t.status.bytes ?? '0') > 0n);
  assert.equal(running?.status?.phase, 'Running');
  assert.ok(BigInt(running?.status?.estimateBytes ?? '0') >= 96n * MiB, `estimate ${running?.status?.estimateBytes}`);
  await a.stopAgent();
  // The receiver drops the cut stream: no dataset of the volume stays on node b.
  const leftover = async (): Promise<string[]> => (await zfsTree(b.parent)).filter((d) => d.includes(volume));
  for (let i = 0; i < 100 && (await leftover()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await leftover(), []);
  assert.equal((await pair.transfer(name))?.status?.phase, 'Running', 'a dead sender writes nothing');

  await pair.start(a);
  const done = await pair.waitFinished(name, 120_000);
  assert.equal(done?.status?.phase, 'Succeeded', done?.status?.message);
  assert.equal(done?.status?.attempts, 2);
  assert.equal(done?.status?.mode, 'full');
  const restored = await b.createVolume({ source: { kind: 'snapshot', id: snapshot }, bytes: 128n * MiB });
  await b.waitReady(restored);
  assert.equal(await digest(b, restored, 'data.bin'), sum);
});

test('a transfer to a node that publishes no endpoint waits and retries (Pending, UNAVAILABLE), and deleting it cancels', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: { node: 'node-gone' } as AgentBench });
  const t = await pair.waitTransfer(name, (x) => x?.status?.code === 'UNAVAILABLE');
  assert.equal(t?.status?.phase, 'Pending');
  assert.match(t?.status?.message ?? '', /node-gone publishes no transfer endpoint/);
  await a.api.delete('zfstransfers', name);
  assert.equal(await pair.transfer(name), undefined);
});

test('the receiver killed mid-stream: it keeps nothing, the sender retries, and the transfer completes once it is back', async () => {
  const { volume, snapshot, sum } = await volumeWithSnapshot(a, 96, 128n * MiB);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  await pair.waitTransfer(name, (t) => t?.status?.step === 'sending' && BigInt(t.status.bytes ?? '0') > 0n);
  await b.stopAgent();
  const retrying = await pair.waitTransfer(name, (t) => t?.status?.phase === 'Pending' && t.status.code !== undefined);
  assert.notEqual(retrying?.status?.code, 'FAILED_PRECONDITION', retrying?.status?.message);
  assert.deepEqual((await zfsTree(b.parent)).filter((d) => d.includes(volume)), [], 'nothing half-received');

  await pair.start(b); // a new port: the sender finds it in the ZfsNode on its next attempt
  const done = await pair.waitFinished(name, 120_000);
  assert.equal(done?.status?.phase, 'Succeeded', done?.status?.message);
  assert.ok((done?.status?.attempts ?? 0) >= 2, `attempts ${done?.status?.attempts}`);
  const restored = await b.createVolume({ source: { kind: 'snapshot', id: snapshot }, bytes: 128n * MiB });
  await b.waitReady(restored);
  assert.equal(await digest(b, restored, 'data.bin'), sum);
});

test('the copy lives as long as its snapshot: deleted with the intent, deferred while a restore needs it, then nothing is left', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 2);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  assert.equal((await pair.waitFinished(name))?.status?.phase, 'Succeeded');
  assert.deepEqual((await pair.transfer(name))?.metadata.finalizers, ['zfs.csi.dev/dataset'], 'the target holds the copy\'s finalizer');
  const restored = await b.createVolume({ source: { kind: 'snapshot', id: snapshot }, bytes: 64n * MiB });
  await b.waitReady(restored);
  const copy = `${b.parent}/${volume}@${snapshot}`;

  await pair.discard(name);
  await pair.waitTransfer(name, (t) => t === undefined);
  assert.equal(await zfsProp(copy, 'defer_destroy'), 'on', 'destroy deferred: the restore is cloned from it');
  await b.requestDeletion('zfsvolumes', restored);
  await b.waitVolume(restored, (v) => v === undefined || v.status?.deletion === 'Destroyed');
  const left = async (): Promise<string[]> => (await zfsTree(b.parent)).filter((d) => d.includes(volume) || d.includes(restored));
  for (let i = 0; i < 100 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await left(), [], 'the copy went with its last clone, and its dataset with it');
});

test('a ZfsTransfer deleted by hand, without the intent, keeps its copy (reported as drift)', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  assert.equal((await pair.waitFinished(name))?.status?.phase, 'Succeeded');
  await a.api.delete('zfstransfers', name);
  await pair.waitTransfer(name, (t) => t === undefined);
  const copy = `${b.parent}/${volume}@${snapshot}`;
  assert.equal(await zfsProp(copy, 'type'), 'snapshot', 'the data stays');
  await b.agent?.refreshDrift();
  assert.ok(b.agent?.driftReport.includes(copy), JSON.stringify(b.agent?.driftReport));
});

test('a deleted copy whose target Node is gone: node loss drops the finalizer, nothing destroys the copy, the returning agent reports drift', async () => {
  const { volume, snapshot } = await volumeWithSnapshot(a, 1);
  const name = await pair.createTransfer({ snapshotId: snapshot, volumeId: volume, from: a, to: b });
  assert.equal((await pair.waitFinished(name))?.status?.phase, 'Succeeded');
  await b.stopAgent();
  await pair.discard(name); // DeleteSnapshot's step while node b is away
  assert.ok((await pair.transfer(name))?.metadata.deletionTimestamp, 'held by the absent target\'s finalizer');
  const monitor = new NodeLossMonitor({
    api: a.api, volumes: new ResourceCache(a.api, PLURAL.volume, decodeVolume), snapshots: new ResourceCache(a.api, PLURAL.snapshot, decodeSnapshot),
    nodes: new ResourceCache(a.api, PLURAL.node, decodeNode), nodeExists: async (n) => n !== b.node, log: silentLog,
  });
  await monitor.check();
  await pair.waitTransfer(name, (t) => t === undefined);

  await pair.start(b); // the node is back: no ZfsTransfer names the copy any more
  const copy = `${b.parent}/${volume}@${snapshot}`;
  assert.equal(await zfsProp(copy, 'type'), 'snapshot', 'the copy was unseen, not known gone: it stays');
  await b.agent?.refreshDrift();
  assert.ok(b.agent?.driftReport.includes(copy), JSON.stringify(b.agent?.driftReport));
});

/**
 * Issue #8, scheduled replication, controller side: a ZfsReplication takes a snapshot per interval, asks for
 * its copy by ZfsTransfer, records it once the copy is there, keeps `retain` replicated snapshots (deleting
 * the oldest with its copies), resumes a round a crash interrupted without a second snapshot, reports
 * failures, honours its delete policy, and once the source node is gone its replica is restorable there.
 * The scripted agents answer snapshots; the test plays each ZfsTransfer's sender.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { transferIdFor } from '../../../src/csi/ids.js';
import type { CreateSnapshotResponse } from '../../../src/grpc/gen/csi/v1/CreateSnapshotResponse.js';
import type { CreateVolumeResponse } from '../../../src/grpc/gen/csi/v1/CreateVolumeResponse.js';
import { decodeReplication } from '../../../src/store/kube/decode.js';
import { ReplicationController } from '../../../src/store/kube/replication-controller.js';
import { roundSnapshotName } from '../../../src/store/kube/replication-round.js';
import { API_VERSION, PLURAL, REPLICATION_FINALIZER, type ZfsReplication } from '../../../src/store/kube/resources.js';
import { createReq, deleteCoreNode, invoke, rejects, silent, startRig, topo, until, type Rig } from './harness.js';

let rig: Rig;
let clock = Date.parse('2026-12-07T10:00:00Z');
let repl: ReplicationController;
let n = 0;
before(async () => {
  rig = await startRig();
  repl = new ReplicationController({ api: rig.api, backend: rig.backend, log: silent, now: () => new Date(clock), tickMs: 3_600_000, stepTimeoutMs: 3000, eventNamespace: 'zfs-system', reactToChanges: false });
  await repl.start();
});
after(async () => {
  await repl.stop();
  await rig.close();
});
beforeEach(() => {
  clock += 3_600_000; // every test starts with its rounds due
});

async function volumeOnA(): Promise<string> {
  const v = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: `pvc-repl-${++n}`, accessibility_requirements: { requisite: [topo('node-a')], preferred: [] } }));
  return v.volume?.volume_id ?? assert.fail('no volume');
}

async function replicate(volumeId: string, spec: Partial<ZfsReplication['spec']> = {}, finalizers: string[] = []): Promise<string> {
  const name = `repl-${++n}`;
  await rig.api.create(PLURAL.replication, {
    apiVersion: API_VERSION, kind: 'ZfsReplication', metadata: { name, finalizers },
    spec: { volumeId, targetNode: 'node-b', intervalSeconds: 60, retain: 2, ...spec },
  });
  return name;
}

/** A pass once the controller's watch has caught up with what the API server stores (the tick would get there too). */
async function pass(): Promise<void> {
  const stored = (name: string): unknown => (rig.server.peek('zfsreplications', name)?.['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
  const names = rig.server.store.list(rig.server.registry.all().find((t) => t.plural === 'zfsreplications') ?? assert.fail('no type'), undefined)
    .map(([, o]) => String((o['metadata'] as Record<string, unknown>)['name']));
  await until('the watch caught up', () => names.every((name) => repl.replications.get(name)?.metadata.resourceVersion === stored(name)));
  await repl.pass();
}

const read = async (name: string): Promise<ZfsReplication> => decodeReplication(await rig.api.get(PLURAL.replication, name)) ?? assert.fail(`no ZfsReplication ${name}`);
const transferOf = (snapshot: string): string => transferIdFor(snapshot, 'node-b', 'pool2/csi');

/** The sender's answer to the round's transfer. */
async function finishCopy(snapshot: string, mode: 'full' | 'incremental', volumeId: string): Promise<void> {
  await rig.api.patchStatus(PLURAL.transfer, transferOf(snapshot), { phase: 'Succeeded', mode, bytes: mode === 'full' ? '4194304' : '8192', targetSnapshot: `pool2/csi/${volumeId}@${snapshot}` });
}

/** One round: due, snapshot taken, copy asked for, copied, recorded. Returns the round's snapshot. */
async function round(name: string, volumeId: string, mode: 'full' | 'incremental'): Promise<string> {
  await pass();
  const pending = (await read(name)).status?.pendingSnapshot ?? assert.fail('no round started');
  assert.ok(rig.server.peek('zfstransfers', transferOf(pending)), 'the copy is asked for in the same pass');
  await pass();
  assert.equal((await read(name)).status?.pendingSnapshot, pending, 'a pass does not wait for a running copy');
  await finishCopy(pending, mode, volumeId);
  await pass();
  return pending;
}

describe('scheduled replication: ZfsReplication', () => {
  it('replicates every interval and keeps the newest `retain` snapshots on both nodes, never the newest common one', async () => {
    const volumeId = await volumeOnA();
    const name = await replicate(volumeId);
    const s1 = await round(name, volumeId, 'full');
    let r = await read(name);
    assert.deepEqual(r.metadata.finalizers, [REPLICATION_FINALIZER]);
    assert.equal(r.status?.phase, 'Ready');
    assert.equal(r.status?.lastReplicatedSnapshot, s1);
    assert.equal(r.status?.lastMode, 'full');
    assert.equal(r.status?.targetParent, 'pool2/csi');
    assert.equal(r.status?.lastReplicatedTime, rig.caches.snapshots.get(s1)?.status?.creationTime, 'the loss window is the snapshot\'s time');
    await pass();
    assert.equal((await read(name)).status?.round, 1, 'no second round before the interval');

    clock += 60_000;
    const s2 = await round(name, volumeId, 'incremental');
    clock += 60_000;
    const s3 = await round(name, volumeId, 'incremental');
    r = await read(name);
    assert.deepEqual(r.status?.replicated?.map((s) => s.snapshotId), [s2, s3], 'the oldest went past retain 2');
    assert.equal(r.status?.lastMode, 'incremental');
    await until('s1 gone from the cache', () => rig.caches.snapshots.get(s1) === undefined);
    assert.equal(rig.server.peek('zfstransfers', transferOf(s1)), undefined, 'its copy on node-b went with it');
    for (const s of [s2, s3]) assert.ok(rig.server.peek('zfstransfers', transferOf(s)), `${s}'s copy stays`);
    assert.deepEqual((await rig.backend.findSnapshotByName(roundSnapshotName(name, 3)))?.id, s3, 'round snapshots are named by round');

    // retain lowered to 1: the next pass prunes to the newest.
    await rig.api.patch(PLURAL.replication, name, { spec: { retain: 1 } });
    await pass();
    assert.deepEqual((await read(name)).status?.replicated?.map((s) => s.snapshotId), [s3]);
  });

  it('a round whose snapshot a crashed controller took but never recorded is resumed with that snapshot', async () => {
    const volumeId = await volumeOnA();
    const name = await replicate(volumeId);
    await pass(); // finalizer, round 1 and its copy
    const s1 = (await read(name)).status?.pendingSnapshot ?? assert.fail('no round');
    await finishCopy(s1, 'full', volumeId);
    await pass();
    clock += 60_000;
    // The crash: round 2's snapshot exists, the status still says round 1.
    const taken = await rig.backend.createSnapshot({ id: `snap-${'c'.repeat(20)}`, name: roundSnapshotName(name, 2), sourceVolumeId: volumeId, node: 'node-a' }, AbortSignal.timeout(3000));
    await pass();
    const r = await read(name);
    assert.equal(r.status?.round, 2);
    assert.equal(r.status?.pendingSnapshot, taken.id);
    assert.equal((await rig.backend.listSnapshots()).filter((s) => s.sourceVolumeId === volumeId).length, 2, 'no second snapshot for round 2');
  });

  it('two controllers that both think they lead (a lease hand-over) take one snapshot for a round, not two', async () => {
    const volumeId = await volumeOnA();
    // With the finalizer in place, both passes go straight to taking round 1's snapshot.
    const name = await replicate(volumeId, {}, [REPLICATION_FINALIZER]);
    const other = new ReplicationController({ api: rig.api, backend: rig.backend, log: silent, now: () => new Date(clock), tickMs: 3_600_000, stepTimeoutMs: 3000, eventNamespace: 'zfs-system', reactToChanges: false });
    await other.start();
    try {
      const seen = (c: ReplicationController): boolean => c.replications.get(name) !== undefined;
      await until('both watches see it', () => seen(repl) && seen(other));
      await Promise.all([repl.pass(), other.pass()]);
      await Promise.all([repl.pass(), other.pass()]);
      const snapshots = (await rig.backend.listSnapshots()).filter((s) => s.sourceVolumeId === volumeId);
      assert.equal(snapshots.length, 1, `one round snapshot: ${snapshots.map((s) => s.id).join(', ')}`);
      assert.equal(snapshots[0]?.name, roundSnapshotName(name, 1));
    } finally {
      await other.stop();
    }
  });

  it('failures are reported in status and retried: a failed copy, a missing volume, a volume already on the target', async () => {
    const volumeId = await volumeOnA();
    const name = await replicate(volumeId, { intervalSeconds: 1 });
    await pass();
    const s1 = (await read(name)).status?.pendingSnapshot ?? assert.fail('no round');
    await rig.api.patchStatus(PLURAL.transfer, transferOf(s1), { phase: 'Failed', code: 'FAILED_PRECONDITION', message: 'node-b holds a diverged copy' });
    await pass();
    let r = await read(name);
    assert.equal(r.status?.phase, 'Failing');
    assert.equal(r.status?.code, 'FAILED_PRECONDITION');
    assert.match(r.status?.message ?? '', /diverged copy/);
    assert.equal(r.status?.pendingSnapshot, s1, 'the round keeps its snapshot');
    const events = (reason: string): number => rig.server.store.list(rig.server.registry.all().find((t) => t.plural === 'events') ?? assert.fail('no events'), 'zfs-system')
      .filter(([, e]) => (e['involvedObject'] as Record<string, unknown>)['name'] === name && e['reason'] === reason).length;
    assert.equal(events('ReplicationFailing'), 1, 'an Event for kubectl describe');
    assert.equal(rig.server.peek('zfstransfers', transferOf(s1)), undefined, 'the failed copy is cleared');
    clock += 5000; // past the backoff
    await pass();
    assert.ok(rig.server.peek('zfstransfers', transferOf(s1)), 'a fresh copy is asked for');
    await finishCopy(s1, 'full', volumeId);
    await pass();
    assert.equal((await read(name)).status?.lastReplicatedSnapshot, s1);
    assert.equal((await read(name)).status?.code, undefined, 'the failure is cleared');
    assert.equal(events('ReplicationRecovered'), 1, 'and one when it works again');
    assert.equal(events('ReplicationFailing'), 1, 'a repeated failure is not re-announced');

    const missing = await replicate('vol-aaaaaaaaaaaaaaaaaaaa');
    await pass();
    r = await read(missing);
    assert.equal(r.status?.code, 'NOT_FOUND');
    assert.equal(r.status?.round, undefined, 'no snapshot without its volume');

    const onTarget = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({ name: `pvc-b-${++n}`, accessibility_requirements: { requisite: [topo('node-b')], preferred: [] } }));
    const same = await replicate(onTarget.volume?.volume_id ?? '');
    await pass();
    assert.equal((await read(same)).status?.code, 'INVALID_ARGUMENT');
  });

  it('replicateNow asks for one round at once, also while suspended (a migration\'s final incremental)', async () => {
    const volumeId = await volumeOnA();
    const name = await replicate(volumeId, { intervalSeconds: 3600 });
    const s1 = await round(name, volumeId, 'full');
    await rig.api.patch(PLURAL.replication, name, { spec: { suspend: true, replicateNow: 'stop-1' } });
    const s2 = await round(name, volumeId, 'incremental');
    assert.notEqual(s2, s1);
    let r = await read(name);
    assert.equal(r.status?.lastReplicateNow, 'stop-1');
    assert.equal(r.status?.lastReplicatedSnapshot, s2, 'the asked-for round is the newest replica');
    await pass();
    assert.equal((await read(name)).status?.round, 2, 'the same value asks for nothing more');
    await rig.api.patch(PLURAL.replication, name, { spec: { replicateNow: 'stop-2' } });
    await pass();
    r = await read(name);
    assert.equal(r.status?.round, 3);
    assert.equal(r.status?.lastReplicateNow, 'stop-2');
  });

  it('without waiting for the tick: a due round starts, a finished copy is recorded and replicateNow is answered as each changes', async () => {
    // The tick is an hour: only the watches of ZfsReplications and ZfsTransfers can make these happen.
    const live = new ReplicationController({ api: rig.api, backend: rig.backend, log: silent, now: () => new Date(clock), tickMs: 3_600_000, stepTimeoutMs: 3000, eventNamespace: 'zfs-system' });
    await live.start();
    try {
      const volumeId = await volumeOnA();
      const name = await replicate(volumeId, { intervalSeconds: 3600 });
      const status = (): ZfsReplication['status'] => decodeReplication(rig.server.peek('zfsreplications', name))?.status;
      await until('the first round started on the new ZfsReplication', () => status()?.pendingSnapshot !== undefined);
      const s1 = status()?.pendingSnapshot ?? '';
      await until('its copy asked for', () => rig.server.peek('zfstransfers', transferOf(s1)) !== undefined);
      await finishCopy(s1, 'full', volumeId);
      await until('the copy recorded on the transfer\'s outcome', () => status()?.lastReplicatedSnapshot === s1 && status()?.pendingSnapshot === undefined);
      await rig.api.patch(PLURAL.replication, name, { spec: { replicateNow: 'final' } });
      await until('replicateNow answered by a new round', () => status()?.lastReplicateNow === 'final' && status()?.pendingSnapshot !== undefined);
      const s2 = status()?.pendingSnapshot ?? '';
      assert.notEqual(s2, s1);
      await until('the final copy asked for', () => rig.server.peek('zfstransfers', transferOf(s2)) !== undefined);
      await finishCopy(s2, 'incremental', volumeId);
      await until('the final copy recorded', () => status()?.lastReplicatedSnapshot === s2 && status()?.pendingSnapshot === undefined);
      assert.equal(status()?.round, 2, 'one round per change asked for, none more');
    } finally {
      await live.stop();
    }
  });

  it('deleting it keeps the replicated snapshots (Retain) or deletes them with their copies (Delete); the round in progress goes', async () => {
    for (const policy of ['Retain', 'Delete'] as const) {
      const volumeId = await volumeOnA();
      const name = await replicate(volumeId, { deletePolicy: policy });
      const s1 = await round(name, volumeId, 'full');
      clock += 60_000;
      await pass();
      const s2 = (await read(name)).status?.pendingSnapshot ?? assert.fail('no round 2');
      await rig.api.delete(PLURAL.replication, name);
      await pass();
      assert.equal(await rig.api.get(PLURAL.replication, name), undefined, `${policy}: the finalizer is released`);
      await until(`${policy}: the unreplicated round is gone`, () => rig.caches.snapshots.get(s2) === undefined);
      assert.equal(rig.server.peek('zfstransfers', transferOf(s2)), undefined);
      if (policy === 'Retain') {
        assert.ok(rig.caches.snapshots.get(s1), 'Retain: the replicated snapshot stays');
        assert.ok(rig.server.peek('zfstransfers', transferOf(s1)), 'Retain: and its copy');
      } else {
        await until('Delete: the replicated snapshot is gone', () => rig.caches.snapshots.get(s1) === undefined);
        assert.equal(rig.server.peek('zfstransfers', transferOf(s1)), undefined, 'Delete: and its copy');
      }
    }
  });

  it('when the source node is gone: no new rounds (UNAVAILABLE, naming the replica) and CreateVolume restores the replica on the target', async () => {
    const volumeId = await volumeOnA();
    const name = await replicate(volumeId);
    const s1 = await round(name, volumeId, 'full');
    const taken = await invoke<CreateSnapshotResponse>(rig.svc, 'CreateSnapshot', { name: `vs-orphan-${++n}`, source_volume_id: volumeId, secrets: {}, parameters: {} });
    const orphan = taken.snapshot?.snapshot_id ?? assert.fail('no snapshot');
    await deleteCoreNode(rig.server, 'node-a');
    await rig.monitor.check();
    clock += 60_000;
    await pass();
    const r = await read(name);
    assert.equal(r.status?.code, 'UNAVAILABLE');
    assert.match(r.status?.message ?? '', new RegExp(`source node node-a is not available; the replica on node-b holds snapshot ${s1}`));
    const transfersBefore = rig.server.requests.filter({ method: 'POST', path: /zfstransfers/ }).length;
    const res = await invoke<CreateVolumeResponse>(rig.svc, 'CreateVolume', createReq({
      name: `pvc-dr-${++n}`, volume_content_source: { snapshot: { snapshot_id: s1 }, type: 'snapshot' } as never,
      accessibility_requirements: { requisite: [topo('node-b')], preferred: [topo('node-b')] },
    }));
    assert.deepEqual(res.volume?.accessible_topology, [topo('node-b')]);
    assert.equal(rig.server.requests.filter({ method: 'POST', path: /zfstransfers/ }).length, transfersBefore, 'the replica\'s copy is used, no new transfer');
    // A snapshot of the gone node with no copy cannot be restored anywhere: UNAVAILABLE, and no transfer nobody can send.
    await rejects(invoke(rig.svc, 'CreateVolume', createReq({
      name: `pvc-dr-${++n}`, volume_content_source: { snapshot: { snapshot_id: orphan }, type: 'snapshot' } as never,
      accessibility_requirements: { requisite: [topo('node-b')], preferred: [] },
    })), 'UNAVAILABLE', /cannot be copied to node node-b .*node node-a no longer exists in Kubernetes/);
    assert.equal(rig.server.peek('zfstransfers', transferOf(orphan)), undefined);
  });
});

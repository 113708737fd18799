/**
 * Issue #7 part 6: of two controller replicas only the Lease holder runs the driver's own loops. Two
 * LeaderElectors on one fake API server (real client-node CoordinationV1Api), short timings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import winston from 'winston';
import { LeaderElector } from '../../../src/store/kube/leader.js';
import { NodeLossMonitor, coreNodeExists } from '../../../src/store/kube/node-loss.js';
import { ADMIN, fakeKubeConfig } from '../../k8s/fake-apiserver/index.js';
import { deleteCoreNode, startRig, until, type Rig } from './harness.js';

const silent = winston.createLogger({ silent: true });
const LEASE_MS = 1500;
const timings = { leaseDurationMs: LEASE_MS, renewDeadlineMs: 1000, retryPeriodMs: 100 };

let rig: Rig;
before(async () => {
  rig = await startRig();
});
after(() => rig.close());

interface Replica {
  readonly elector: LeaderElector;
  readonly token: string;
  readonly log: Array<{ leading: boolean; at: number }>;
}

function replica(lease: string, identity: string): Replica {
  const token = rig.server.addIdentity(randomBytes(8).toString('hex'), ADMIN);
  const log: Replica['log'] = [];
  const elector = new LeaderElector({
    kc: fakeKubeConfig(rig.server, token), namespace: 'zfs-system', name: lease, identity, log: silent, ...timings,
    onStartedLeading: () => log.push({ leading: true, at: performance.now() }),
    onStoppedLeading: () => log.push({ leading: false, at: performance.now() }),
  });
  return { elector, token, log };
}

const leaders = (rs: readonly Replica[]): number => rs.filter((r) => r.elector.isLeader).length;

test('exactly one of two replicas leads, and a released lease passes to the other at once', async () => {
  const lease = `lease-${randomBytes(3).toString('hex')}`;
  const rs = [replica(lease, 'a'), replica(lease, 'b')];
  rs.forEach((r) => r.elector.start());
  await until('a leader', () => leaders(rs) === 1, 5000);
  // Never two at once, sampled over several renew periods.
  for (let i = 0; i < 20; i++) {
    assert.ok(leaders(rs) <= 1, 'two leaders');
    await new Promise((r) => setTimeout(r, 50));
  }
  const [holder, other] = rs[0]?.elector.isLeader === true ? [rs[0], rs[1]] : [rs[1], rs[0]];
  assert.ok(holder && other);
  const stoppedAt = performance.now();
  await holder.elector.stop();
  assert.equal(holder.elector.isLeader, false);
  await until('the other takes over', () => other.elector.isLeader, 5000);
  const tookMs = (other.log.at(-1)?.at ?? 0) - stoppedAt;
  assert.ok(tookMs < LEASE_MS, `released: taken over after ${tookMs.toFixed(0)} ms, without waiting for the lease to expire`);
  const lease1 = (rig.server.peek('leases', lease, 'zfs-system')?.['spec'] ?? {}) as Record<string, unknown>;
  assert.equal(lease1['leaseTransitions'], 1);
  await other.elector.stop();
});

test('a holder cut off from the API server stops leading first; the other takes over only after the lease duration', async () => {
  const lease = `lease-${randomBytes(3).toString('hex')}`;
  const a = replica(lease, 'a');
  a.elector.start();
  await until('a leads', () => a.elector.isLeader, 5000);
  const b = replica(lease, 'b');
  b.elector.start();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.elector.isLeader, false, 'a live holder keeps the lease');
  const cutAt = performance.now();
  rig.server.revokeIdentity(a.token);
  await until('b leads', () => b.elector.isLeader, 10_000);
  const aStopped = a.log.find((e) => !e.leading)?.at;
  const bStarted = b.log.find((e) => e.leading)?.at ?? 0;
  assert.ok(aStopped !== undefined && aStopped < bStarted, 'the cut-off holder stopped before the other started (no overlap)');
  assert.ok(bStarted - cutAt >= LEASE_MS - 200, `b waited ${(bStarted - cutAt).toFixed(0)} ms for a lease of ${LEASE_MS} ms`);
  await a.elector.stop();
  await b.elector.stop();
});

test('node loss: every replica sees the node gone, only the Lease holder marks its resources Lost', async () => {
  const lease = `lease-${randomBytes(3).toString('hex')}`;
  const rs = [replica(lease, 'a'), replica(lease, 'b')];
  rs.forEach((r) => r.elector.start());
  await until('a leader', () => leaders(rs) === 1, 5000);
  const monitors = rs.map((r) => ({
    r,
    m: new NodeLossMonitor({
      api: rig.caches.api, volumes: rig.caches.volumes, snapshots: rig.caches.snapshots, nodes: rig.caches.nodes,
      nodeExists: coreNodeExists(fakeKubeConfig(rig.server)), log: silent, intervalMs: 60_000, mayWrite: () => r.elector.isLeader,
    }),
  }));
  const { createReq, invoke, topo } = await import('./harness.js');
  const res = await invoke<{ volume?: { volume_id: string } }>(rig.svc, 'CreateVolume', createReq({
    name: 'pvc-leader', accessibility_requirements: { requisite: [topo('node-b')], preferred: [] },
  }));
  const vol = res.volume?.volume_id ?? '';
  await deleteCoreNode(rig.server, 'node-b');
  const follower = monitors.find((x) => !x.r.elector.isLeader);
  const leader = monitors.find((x) => x.r.elector.isLeader);
  assert.ok(follower && leader);
  const patches = (): number => rig.server.requests.count({ method: 'PATCH', path: /\/status$/ });
  const before = patches();
  await follower.m.check();
  assert.equal(follower.m.isGone('node-b'), true, 'the follower knows (placement reads it)');
  assert.equal(patches(), before, 'the follower writes nothing');
  await leader.m.check();
  assert.ok(patches() > before, 'the leader marks');
  const phase = (rig.server.peek('zfsvolumes', vol)?.['status'] as Record<string, unknown> | undefined)?.['phase'];
  assert.equal(phase, 'Lost');
  for (const r of rs) await r.elector.stop();
});

/**
 * CR recovery's refusals (issue #10 part 2b), against a real pool: an ID another node's resource already holds
 * is never taken over (a Warning, the other resource untouched, the dataset left as drift), and an agent whose
 * credentials may not create resources reports that once and still starts. The end-to-end path is in
 * test/e2e/recovery.int.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeApi } from '../../src/store/kube/api.js';
import { API_VERSION, NODE_LABEL, PLURAL } from '../../src/store/kube/resources.js';
import { enforceChartAuthority } from '../k8s/chart-authority.js';
import { fakeKubeConfig } from '../k8s/fake-apiserver/index.js';
import { AgentBench, poll } from './harness.js';

let b: AgentBench;
let volume = '';
let snapshot = '';

before(async () => {
  b = await AgentBench.create();
  b.startAgent();
  await b.agent?.whenAdopted();
  volume = await b.createVolume();
  await b.waitReady(volume);
  snapshot = await b.createSnapshot(volume);
  await b.waitSnapshot(snapshot, (s) => s?.status?.readyToUse === true);
  await b.stopAgent();
  for (const [plural, name] of [[PLURAL.snapshot, snapshot], [PLURAL.volume, volume]] as const) {
    await b.api.patch(plural, name, { metadata: { finalizers: null } });
    await b.api.delete(plural, name);
  }
});
after(async () => {
  await b.cleanup();
});

const reasons = (reason: string): string[] => b.events.filter((e) => e.reason === reason).map((e) => `${e.involved.kind}/${e.involved.name}`);

test('an ID another node\'s resource holds is not taken over; the rest is recovered', async () => {
  const other = 'node-elsewhere';
  await b.api.create(PLURAL.volume, {
    apiVersion: API_VERSION, kind: 'ZfsVolume', metadata: { name: volume, labels: { [NODE_LABEL]: other } },
    spec: { csiName: 'someone-else', volumeId: volume, nodeName: other, parentDataset: 'tank/csi', requestedBytes: '1', properties: {}, quotaType: 'refquota', thin: true },
  });
  const agent = b.startAgent({ recoverResources: true });
  await agent.whenAdopted();
  assert.deepEqual(reasons('RecoveryConflict'), [`ZfsVolume/${volume}`]);
  assert.deepEqual(reasons('ResourceRecovered'), [`ZfsSnapshot/${snapshot}`], 'the snapshot, whose ID is free, comes back');
  const theirs = await b.volume(volume);
  assert.equal(theirs?.spec.nodeName, other);
  assert.equal(theirs?.spec.csiName, 'someone-else', 'the other resource is untouched');
  assert.ok(agent.driftReport.includes(`${b.parent}/${volume}`), 'the dataset stays drift');
  await b.stopAgent();
  await b.api.delete(PLURAL.volume, volume);
  await b.api.patch(PLURAL.snapshot, snapshot, { metadata: { finalizers: null } });
  await b.api.delete(PLURAL.snapshot, snapshot);
});

test('credentials that may not create (the chart without node.recoverResources): one Warning, nothing made, the agent starts', async (t) => {
  const fake = b.target.fake;
  if (fake === undefined) return t.diagnostic('a real cluster: its RBAC is not this chart rendering');
  const authority = enforceChartAuthority(fake);
  const before_ = b.events.length;
  const agent = b.startAgent({ recoverResources: true, api: new KubeApi(fakeKubeConfig(fake, authority.nodeToken(b.node))) });
  await agent.whenAdopted();
  await poll(() => agent.ready(), (r) => r, 10_000, 'the agent ready');
  const refused = b.events.slice(before_).filter((e) => e.reason === 'RecoveryRefused');
  assert.equal(refused.length, 1, 'reported once, not once per object');
  assert.equal(refused[0]?.involved.kind, 'ZfsNode');
  assert.match(refused[0]?.message ?? '', /refused to create ZfsVolume .*node\.recoverResources with rbac\.nodeAuthority/);
  assert.equal(await b.volume(volume), undefined);
  assert.equal(await b.snapshot(snapshot), undefined);
  assert.deepEqual(agent.driftReport, [`${b.parent}/${volume}`, `${b.parent}/${volume}@${snapshot}`]);
});

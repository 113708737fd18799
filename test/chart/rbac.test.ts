/**
 * RBAC (issue 3 §5): no wildcard anywhere, nothing on secrets, the resources the code names, and the verbs each
 * component needs — no more for the node agent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP, PLURAL } from '../../src/store/kube/resources.js';
import { asArray, asObj, CHART, read, renderTemplate, type Obj } from './chart.js';

interface Rule { readonly apiGroups: string[]; readonly resources: string[]; readonly verbs: string[]; readonly resourceNames: string[] }

function rules(template: string, kind: string): Rule[] {
  return renderTemplate(template).filter((d) => d['kind'] === kind).flatMap((d) =>
    asArray(d['rules']).map((r) => {
      const o = asObj(r, 'rule');
      return {
        apiGroups: asArray(o['apiGroups']).map(String), resources: asArray(o['resources']).map(String), verbs: asArray(o['verbs']).map(String),
        resourceNames: asArray(o['resourceNames'] ?? []).map(String),
      };
    }));
}

/** Verbs granted on group/resource by a set of rules. */
function verbs(rs: readonly Rule[], group: string, resource: string): Set<string> {
  return new Set(rs.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs));
}

const ALL = (): Rule[] => [
  ...rules('rbac-controller.yaml', 'ClusterRole'), ...rules('rbac-controller.yaml', 'Role'),
  ...rules('rbac-node.yaml', 'ClusterRole'), ...rules('rbac-node.yaml', 'Role'),
];

const CA = 'zfs-csi-transfer-ca';

test('no rule has a wildcard, a resourceName-less escalation verb, or touches secrets but the transfer CA', () => {
  const all = ALL();
  assert.ok(all.length > 10);
  for (const r of all) {
    for (const field of [r.apiGroups, r.resources, r.verbs]) assert.ok(!field.some((x) => x.includes('*')), JSON.stringify(r));
    // The one Secret: the controller's transfer CA, by name (signer certificates, transfer-ca.yaml).
    if (r.resources.includes('secrets')) assert.deepEqual([r.resourceNames, r.verbs], [[CA], ['get', 'patch']], JSON.stringify(r));
    assert.ok(!r.verbs.some((v) => ['escalate', 'bind', 'impersonate'].includes(v)), JSON.stringify(r));
    assert.ok(!r.resources.some((x) => ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings', 'serviceaccounts/token'].includes(x)));
  }
});

test('rules on the driver group name only the plurals from resources.ts', () => {
  const known = new Set(Object.values(PLURAL).flatMap((p) => [p, `${p}/status`]));
  for (const r of ALL().filter((x) => x.apiGroups.includes(GROUP))) {
    assert.deepEqual(r.apiGroups, [GROUP]);
    for (const res of r.resources) assert.ok(known.has(res), res);
  }
});

const has = (granted: Set<string>, needed: readonly string[], what: string): void => {
  for (const v of needed) assert.ok(granted.has(v), `${what}: ${v}`);
};

test('the controller may manage volumes, snapshots and transfers, mark them Lost, read nodes, lease and record events', () => {
  const cluster = rules('rbac-controller.yaml', 'ClusterRole');
  for (const res of [PLURAL.volume, PLURAL.snapshot]) {
    has(verbs(cluster, GROUP, res), ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], res);
    has(verbs(cluster, GROUP, `${res}/status`), ['get', 'patch', 'update'], `${res}/status`);
  }
  assert.deepEqual([...verbs(cluster, GROUP, PLURAL.node)].sort(), ['get', 'list', 'watch']);
  // Scheduled replication: a person makes and deletes ZfsReplications; the controller holds the finalizer and writes status.
  assert.deepEqual([...verbs(cluster, GROUP, PLURAL.replication)].sort(), ['get', 'list', 'patch', 'watch']);
  assert.deepEqual([...verbs(cluster, GROUP, `${PLURAL.replication}/status`)].sort(), ['get', 'patch']);
  // Transfers: copySnapshot creates them, DeleteSnapshot records intent and deletes, node loss lists them and
  // removes a gone target's finalizer (patch). Their status is the sender agent's alone.
  has(verbs(cluster, GROUP, PLURAL.transfer), ['get', 'list', 'create', 'patch', 'delete'], PLURAL.transfer);
  assert.deepEqual([...verbs(cluster, GROUP, `${PLURAL.transfer}/status`)], [], 'the controller never writes a transfer\'s status');
  has(verbs(cluster, '', 'nodes'), ['get', 'list', 'watch'], 'nodes');
  has(verbs(cluster, '', 'events'), ['create', 'patch'], 'events');
  const ns = rules('rbac-controller.yaml', 'Role');
  has(verbs(ns, 'coordination.k8s.io', 'leases'), ['get', 'create', 'update'], 'leases');
  // csi-provisioner with --enable-capacity and --capacity-ownerref-level=2.
  has(verbs(ns, 'storage.k8s.io', 'csistoragecapacities'), ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], 'csistoragecapacities');
  has(verbs(ns, '', 'pods'), ['get'], 'pods');
  has(verbs(ns, 'apps', 'replicasets'), ['get'], 'replicasets');
});

test('the sidecars get what their upstream RBAC documents', () => {
  const cluster = rules('rbac-controller.yaml', 'ClusterRole');
  has(verbs(cluster, '', 'persistentvolumes'), ['get', 'list', 'watch', 'create', 'patch', 'delete'], 'persistentvolumes');
  has(verbs(cluster, '', 'persistentvolumeclaims'), ['get', 'list', 'watch', 'update'], 'persistentvolumeclaims');
  has(verbs(cluster, '', 'persistentvolumeclaims/status'), ['patch'], 'persistentvolumeclaims/status');
  for (const res of ['storageclasses', 'csinodes', 'volumeattachments', 'volumeattributesclasses']) {
    has(verbs(cluster, 'storage.k8s.io', res), ['get', 'list', 'watch'], res);
  }
  has(verbs(cluster, 'snapshot.storage.k8s.io', 'volumesnapshotclasses'), ['get', 'list', 'watch'], 'volumesnapshotclasses');
  has(verbs(cluster, 'snapshot.storage.k8s.io', 'volumesnapshotcontents'), ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], 'contents');
  has(verbs(cluster, 'snapshot.storage.k8s.io', 'volumesnapshotcontents/status'), ['update', 'patch'], 'contents/status');
  has(verbs(cluster, 'snapshot.storage.k8s.io', 'volumesnapshots'), ['get', 'list', 'watch', 'update', 'patch'], 'volumesnapshots');
});

test('the external-health-monitor controller gets its upstream RBAC only while it runs', () => {
  const cluster = rules('rbac-controller.yaml', 'ClusterRole');
  for (const res of ['persistentvolumes', 'persistentvolumeclaims', 'nodes', 'pods']) has(verbs(cluster, '', res), ['get', 'list', 'watch'], res);
  has(verbs(cluster, '', 'events'), ['get', 'list', 'watch', 'create', 'patch'], 'events');
  // The masking renderer keeps every branch: the pods rule must sit inside the monitor's (or resizer's) switch.
  const text = read(CHART, 'templates', 'rbac-controller.yaml');
  assert.match(text, /\{\{- if \.Values\.controller\.healthMonitor\.enabled \}\}\n(\s+#.*\n)*\s+- apiGroups: \[""\]\n\s+resources: \["pods"\]\n\s+verbs: \["get", "list", "watch"\]\n\s+\{\{- end \}\}/);
});

test('the node agent reads and patches its resources, writes its ZfsNode, creates events — nothing else', () => {
  const node = rules('rbac-node.yaml', 'ClusterRole');
  const granted = (group: string, res: string): string[] => [...verbs(node, group, res)].sort();
  for (const res of [PLURAL.volume, PLURAL.snapshot]) {
    // create: CR recovery only (issue #10), inside its switch (checked below).
    assert.deepEqual(granted(GROUP, res), ['create', 'get', 'list', 'patch', 'watch']);
    assert.deepEqual(granted(GROUP, `${res}/status`), ['get', 'patch']);
  }
  assert.deepEqual(granted(GROUP, PLURAL.node), ['create', 'get', 'list', 'patch', 'watch']);
  assert.deepEqual(granted(GROUP, `${PLURAL.node}/status`), ['get', 'patch']);
  assert.deepEqual(granted('', 'events'), ['create']);
  // Signer certificates: ask for one's own certificate and read the answer; nothing else on CSRs.
  assert.deepEqual(granted('certificates.k8s.io', 'certificatesigningrequests'), ['create', 'get']);
  const other = node.filter((r) => !r.apiGroups.includes(GROUP) && !r.resources.includes('events') && !r.apiGroups.includes('certificates.k8s.io'));
  assert.deepEqual(other, []);
  const ns = rules('rbac-node.yaml', 'Role');
  assert.deepEqual(ns, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [CA] }], 'only the CA ConfigMap, by name');
  // The masking renderer keeps every branch: the create rule must be granted only with recovery and the
  // node-authority policy that keeps each agent to its own node's records (DESIGN.md §4 rule 9).
  assert.match(read(CHART, 'templates', 'rbac-node.yaml'),
    /\{\{- if and \.Values\.node\.recoverResources \.Values\.rbac\.nodeAuthority \}\}\n(\s+#.*\n)*\s+- apiGroups: \["zfs\.csi\.dev"\]\n\s+resources: \["zfsvolumes", "zfssnapshots"\]\n\s+verbs: \["create"\]\n\s+\{\{- end \}\}/);
});

test('the transfer signer: CSRs read, approval and status written, approve on its signer, sign only on its own, CA by name', () => {
  const cluster = rules('rbac-controller.yaml', 'ClusterRole');
  const csr = 'certificatesigningrequests';
  assert.deepEqual([...verbs(cluster, 'certificates.k8s.io', csr)].sort(), ['get', 'list', 'watch'], 'never creates or deletes CSRs');
  assert.deepEqual([...verbs(cluster, 'certificates.k8s.io', `${csr}/approval`)], ['update']);
  assert.deepEqual([...verbs(cluster, 'certificates.k8s.io', `${csr}/status`)], ['patch']);
  const signers = cluster.filter((r) => r.resources.includes('signers'));
  // With certManager the approve rule names cert-manager's signer (agreement.test.ts); sign never does.
  assert.deepEqual(signers, [
    { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'], resourceNames: ['zfs.csi.dev/transfer'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['sign'], resourceNames: ['zfs.csi.dev/transfer'] },
  ]);
  const ns = rules('rbac-controller.yaml', 'Role').filter((r) => r.resources.includes('configmaps') || r.resources.includes('secrets'));
  assert.deepEqual(ns, [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'patch'], resourceNames: [CA] }]);
  // The masking renderer keeps every branch: these rules must sit inside the signer switch.
  for (const t of ['rbac-controller.yaml', 'rbac-node.yaml']) {
    const text = read(CHART, 'templates', t);
    for (const m of text.matchAll(/certificates\.k8s\.io|resourceNames/g)) {
      const before = text.slice(0, m.index);
      const opened = Math.max(...['{{- if and $t.enabled (eq $t.certificates "signer") }}', '{{- if and $t.enabled (ne $t.certificates "hostPath") }}',
        '{{- if eq $t.certificates "signer" }}', '{{- if $signer }}'].map((s) => before.lastIndexOf(s)));
      assert.ok(opened > before.lastIndexOf('{{- end }}'), `${t}: ${m[0]} outside the signer switch`);
    }
  }
});

test('bindings tie each role to its own ServiceAccount in the release namespace', () => {
  for (const [template, component] of [['rbac-controller.yaml', 'controller'], ['rbac-node.yaml', 'node']] as const) {
    const bindings = renderTemplate(template).filter((d) => String(d['kind']).endsWith('Binding'));
    assert.ok(bindings.length >= 1);
    for (const b of bindings) {
      const subjects = asArray(b['subjects']).map((s) => asObj(s, 'subject'));
      assert.equal(subjects.length, 1);
      assert.equal(subjects[0]?.['kind'], 'ServiceAccount');
      assert.equal(subjects[0]?.['namespace'], 'zfs-system');
      assert.equal(asObj(b['roleRef'] as Obj, 'roleRef')['apiGroup'], 'rbac.authorization.k8s.io', component);
    }
  }
});

/**
 * values.schema.json (issue 4 §1): the shipped values validate, and typos, wrong types and bad enums are
 * rejected — at every level, because every object in the schema closes its properties.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { CHART, defaultValues, isObj, merge, read, valuesSchema, type Obj } from './chart.js';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(valuesSchema());
const check = (overrides: Obj): boolean => validate(merge(defaultValues(), overrides));

test('the default values validate', () => {
  assert.ok(validate(defaultValues()), JSON.stringify(validate.errors));
});

test('a values file that turns every option on validates', () => {
  const all: Obj = {
    nameOverride: 'zfs', fullnameOverride: 'zfs-csi-all', logLevel: 'debug',
    imagePullSecrets: [{ name: 'regcred' }, 'other'], commonLabels: { team: 'storage' },
    image: { repository: 'registry.example/zfs-csi', tag: '0.1.0', pullPolicy: 'Always' },
    crds: { manage: true }, csiDriver: { create: true }, rbac: { create: true },
    serviceAccount: { controller: { create: true, name: 'ctl', annotations: { a: 'b' } }, node: { create: false, name: 'n', annotations: {} } },
    metrics: { port: 9900, service: { enabled: true, annotations: { 'prometheus.io/scrape': 'true' } }, serviceMonitor: { enabled: true, interval: '15s', scrapeTimeout: '5s', labels: { release: 'prom' } } },
    controller: {
      replicas: 3, podAnnotations: { a: 'b' }, podLabels: { c: 'd' }, tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: {} }, timeout: '2m',
      driver: { extraArgs: ['--log-level=debug'] }, provisioner: { extraArgs: ['--worker-threads=10'] },
      snapshotter: { enabled: false }, resizer: { enabled: false }, livenessProbe: { port: 9818 },
      healthMonitor: { enabled: false, interval: '30s', extraArgs: ['--enable-node-watcher=true'] },
    },
    node: {
      parents: ['tank/k8s', 'fast/k8s'], kubeletDir: '/var/lib/k0s/kubelet', hostAccess: 'chroot', zfsPrefix: '/usr/sbin/chroot /host',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      registrar: { port: 9819 }, livenessProbe: { port: 9828 }, sweepIntervalSeconds: 60, recoverResources: true,
    },
    storageClasses: [
      { name: 'zfs', default: true, parentDataset: 'fast/k8s', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: false, allowedNodes: ['node-a'], parameters: { compression: 'zstd', quotaType: 'quota', thin: 'false' }, labels: { a: 'b' }, annotations: { c: 'd' } },
      { name: 'zfs-plain' },
    ],
    volumeSnapshotClasses: [{ name: 'zfs', default: true, deletionPolicy: 'Retain', labels: {}, annotations: {} }],
  };
  assert.ok(check(all), JSON.stringify(validate.errors));
});

const BAD: readonly [string, Obj][] = [
  ['a typo at the top', { driverNmae: 'x' }],
  ['a typo in a nested object', { node: { kubeletdir: '/var/lib/kubelet' } }],
  ['a typo in a sidecar image', { controller: { provisioner: { image: { repository: 'r', tag: 'v1', pullPolicy: 'Always', digest: 'x' } } } }],
  ['a typo in a StorageClass entry', { storageClasses: [{ name: 'zfs', reclaimPolicyy: 'Delete' }] }],
  ['a wrong type', { controller: { replicas: 'two' } }],
  ['a wrong type for parents', { node: { parents: 'tank/k8s' } }],
  ['no parents', { node: { parents: [] } }],
  ['a parent that is a pool, not a dataset below it', { node: { parents: ['tank'] } }],
  ['a bad log level', { logLevel: 'verbose' }],
  ['a bad host access mode', { node: { hostAccess: 'ssh' } }],
  ['an unknown certificate source', { node: { transfer: { certificates: 'acme' } } }],
  ['a cert-manager issuer kind that does not exist', { node: { transfer: { certManager: { issuerKind: 'Vault' } } } }],
  ['a cert-manager issuer name that is not a name', { node: { transfer: { certManager: { issuerName: 'My Issuer' } } } }],
  ['a certificate lifetime below the API server\'s 600 s floor', { node: { transfer: { certificateSeconds: 60 } } }],
  ['a bad reclaim policy', { storageClasses: [{ name: 'zfs', reclaimPolicy: 'Recycle' }] }],
  ['a bad binding mode', { storageClasses: [{ name: 'zfs', volumeBindingMode: 'Later' }] }],
  ['parentDataset as a free parameter', { storageClasses: [{ name: 'zfs', parameters: { parentDataset: 'tank/x' } }] }],
  ['an unpinned sidecar', { node: { registrar: { image: { repository: 'r', tag: 'latest', pullPolicy: 'Always' } } } }],
  ['a relative kubelet dir', { node: { kubeletDir: 'var/lib/kubelet' } }],
  ['a port out of range', { metrics: { port: 70000 } }],
  ['a non-flag extra arg', { node: { driver: { extraArgs: ['debug'] } } }],
  ['a bad toleration operator', { node: { tolerations: [{ operator: 'Maybe' }] } }],
  ['a health-monitor interval that is not a duration', { controller: { healthMonitor: { interval: 'every minute' } } }],
  ['a health-monitor flag that is a string', { controller: { healthMonitor: { enabled: 'yes' } } }],
  ['CR recovery asked for as a string', { node: { recoverResources: 'yes' } }],
];

for (const [what, overrides] of BAD) {
  test(`values with ${what} are rejected`, () => {
    assert.equal(check(overrides), false, what);
  });
}

test('every object in the schema closes its properties (typos fail at every level)', () => {
  const open: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (!isObj(node)) return;
    if (isObj(node['properties']) && node['additionalProperties'] !== false) open.push(path);
    for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
  };
  walk(valuesSchema(), '#');
  assert.deepEqual(open, []);
});

test('every key in values.yaml is documented: a comment above it or above an enclosing key', () => {
  const lines = read(CHART, 'values.yaml').split('\n');
  const stack: { indent: number; documented: boolean }[] = [];
  const undocumented: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)(- )?([A-Za-z][\w.-]*):/.exec(line);
    if (!m) return;
    const indent = (m[1] ?? '').length + (m[2] ? 2 : 0);
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
    const documented = /^\s*#/.test(lines[i - 1] ?? '') || (stack[stack.length - 1]?.documented ?? false);
    if (!documented) undocumented.push(`${i + 1}: ${line.trim()}`);
    stack.push({ indent, documented });
  });
  assert.deepEqual(undocumented, []);
});

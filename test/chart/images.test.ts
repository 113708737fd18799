/**
 * Images (issue 4 §1–2): every container image pinned to a version tag and overridable; the Dockerfile builds
 * from a Node LTS (22 or 24) image, ships compiled JS only and runs as a non-root user by default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asObj, CHART, containers, defaultValues, podSpec, read, REPO, workload } from './chart.js';
import { NODE_RUNTIME_FLAGS } from '../../src/app/runtime-flags.js';

const PINNED = /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:v?\d+\.\d+\.\d+$/;

test('every container image is pinned to a version tag, never latest', () => {
  for (const [template, kind] of [['controller-deployment.yaml', 'Deployment'], ['node-daemonset.yaml', 'DaemonSet']] as const) {
    const cs = containers(workload(template, kind));
    assert.ok(cs.length >= 3);
    for (const c of cs) {
      assert.match(c.image, PINNED, `${template} ${c.name}`);
      assert.doesNotMatch(c.image, /:latest$/);
    }
  }
});

test('the CSI sidecars come from registry.k8s.io/sig-storage', () => {
  const sidecars = [...containers(workload('controller-deployment.yaml', 'Deployment')), ...containers(workload('node-daemonset.yaml', 'DaemonSet'))]
    .filter((c) => c.name !== 'driver');
  for (const c of sidecars) assert.match(c.image, /^registry\.k8s\.io\/sig-storage\/csi-|^registry\.k8s\.io\/sig-storage\/livenessprobe:/, c.name);
});

test('the external-health-monitor controller: a current v0 tag from sig-storage, on by default, off by a flag', () => {
  const byName = new Map(containers(workload('controller-deployment.yaml', 'Deployment')).map((c) => [c.name, c]));
  const monitor = byName.get('csi-external-health-monitor-controller');
  assert.ok(monitor, 'rendered with the default values');
  assert.match(monitor.image, /^registry\.k8s\.io\/sig-storage\/csi-external-health-monitor-controller:v0\.(1[7-9]|[2-9]\d)\.\d+$/);
  assert.ok(monitor.args.includes('--leader-election'), 'one active monitor across the replicas');
  assert.ok(monitor.args.includes('--monitor-interval=1m'));
  // The masking renderer keeps every branch, so the switch is checked in the template text.
  assert.match(read(CHART, 'templates', 'controller-deployment.yaml'), /\{\{- if \$c\.healthMonitor\.enabled \}\}\n(\s+#.*\n)*\s+- name: csi-external-health-monitor-controller\n/);
  assert.equal(asObj(asObj(defaultValues()['controller'], 'controller')['healthMonitor'], 'healthMonitor')['enabled'], true);
  const custom = workload('controller-deployment.yaml', 'Deployment', { controller: { healthMonitor: { interval: '30s' } } });
  const args = containers(custom).find((c) => c.name === 'csi-external-health-monitor-controller')?.args ?? [];
  assert.ok(args.includes('--monitor-interval=30s'), args.join(' '));
});

test('images are overridable through values', () => {
  const overrides = { image: { tag: '9.9.9' }, controller: { provisioner: { image: { repository: 'mirror.example/csi-provisioner', tag: 'v9.9.9' } } } };
  const pod = workload('controller-deployment.yaml', 'Deployment', overrides);
  const byName = new Map(containers(pod).map((c) => [c.name, c.image]));
  assert.equal(byName.get('driver'), 'ghcr.io/zfs-csi/zfs-csi:9.9.9');
  assert.equal(byName.get('csi-provisioner'), 'mirror.example/csi-provisioner:v9.9.9');
});

test('the controller pods are non-root, read-only, without capabilities, RuntimeDefault seccomp, with requests', () => {
  const pod = workload('controller-deployment.yaml', 'Deployment');
  const sc = asObj(podSpec(pod)['securityContext'], 'securityContext');
  assert.equal(sc['runAsNonRoot'], true);
  assert.deepEqual(sc['seccompProfile'], { type: 'RuntimeDefault' });
  for (const c of containers(pod)) {
    assert.match(read(CHART, 'templates', 'controller-deployment.yaml'), new RegExp(`- name: ${c.name}[\\s\\S]*?include "zfs-csi.restrictedContainer"`));
  }
  assert.match(read(CHART, 'templates', '_helpers.tpl'), /allowPrivilegeEscalation: false\nreadOnlyRootFilesystem: true\ncapabilities:\n {2}drop: \["ALL"\]/);
  for (const section of ['driver', 'provisioner', 'snapshotter', 'resizer', 'healthMonitor', 'livenessProbe']) {
    const values = asObj(asObj(defaultValues()['controller'], 'controller')[section], section);
    assert.ok(asObj(asObj(values['resources'], 'resources')['requests'], 'requests')['memory'], section);
  }
  assert.equal(asObj(pod['spec'], 'spec')['replicas'], 2);
});

test('only the node driver container is privileged', () => {
  const pod = workload('node-daemonset.yaml', 'DaemonSet');
  const privileged = containers(pod).filter((c) => c.securityContext['privileged'] === true).map((c) => c.name);
  assert.deepEqual(privileged, ['driver']);
  assert.equal(podSpec(pod)['priorityClassName'], 'system-node-critical');
  const node = asObj(defaultValues()['node'], 'node');
  assert.equal(asObj(node['updateStrategy'], 'updateStrategy')['type'], 'RollingUpdate');
  assert.deepEqual(node['tolerations'], [{ operator: 'Exists' }]);
  assert.match(read(CHART, 'templates', 'node-daemonset.yaml'), /updateStrategy:\n\s+\{\{- toYaml \$n\.updateStrategy/);
});


test('the Dockerfile: Node LTS base, npm ci / build / prune, compiled JS only, OCI labels, non-root USER, entrypoint', () => {
  const dockerfile = read(REPO, 'Dockerfile');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
  assert.ok(froms.length >= 2, 'multi-stage');
  const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
  for (const from of froms) assert.match(from === '${NODE_IMAGE}' ? base : from.replace(' AS build', ''), /^node:(22|24)(\.\d+)*-(bookworm|trixie)-slim$/);
  for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) assert.ok(dockerfile.includes(step), step);
  assert.match(dockerfile, /apt-get install -y --no-install-recommends mount util-linux/);
  assert.match(dockerfile, /COPY --from=build \/src\/dist\/src \.\/dist\/src/);
  assert.doesNotMatch(dockerfile, /COPY --from=build \/src\/(src|test|dist\/test)\b/);
  assert.match(dockerfile, /org\.opencontainers\.image\.source=/);
  assert.match(dockerfile, /org\.opencontainers\.image\.version="\$\{VERSION\}"/);
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1] ?? '');
  assert.ok(users.length > 0 && !/^(0|root)(:|$)/.test(users[users.length - 1] ?? 'root'), 'last USER is non-root');
  const entry = ['node', ...NODE_RUNTIME_FLAGS, '/app/dist/src/app/main.js'].map((a) => JSON.stringify(a)).join(', ');
  assert.ok(dockerfile.split('\n').includes(`ENTRYPOINT [${entry}]`), `ENTRYPOINT [${entry}]: the flags the benchmark measures`);
  const pkg = asObj(JSON.parse(read(REPO, 'package.json')), 'package.json');
  assert.equal(/^ARG VERSION=(\S+)$/m.exec(dockerfile)?.[1], pkg['version']);
});

test('.dockerignore keeps dependencies, build output and the chart out of the build context', () => {
  const ignore = read(REPO, '.dockerignore').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', 'dist', '.git', 'charts']) assert.ok(ignore.includes(entry), entry);
});

/**
 * Names the chart and the code must agree on (issue 4 §5), read from both: the driver's env and flags are
 * fed to the real parseServeConfig, and what it makes of them is compared with the sidecars' flags, the
 * volumes, the ports and the classes the chart renders.
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseServeConfig, SERVE_FLAGS, type Config } from '../../src/app/config.js';
import { CONTROLLER_CAPABILITIES } from '../../src/csi/controller/capabilities.js';
import { allowedKeys, DRIVER_KEYS } from '../../src/csi/params.js';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import {
  asArray, asObj, CHART, chartYaml, container, containers, defaultValues, flag, helperDefine, podSpec, read, renderTemplate,
  REPO, workload, type Container, type Obj,
} from './chart.js';

const NODE = 'node-a';
const NAMESPACE = 'zfs-system';
const ENVS = new Set<string>(Object.values(SERVE_FLAGS).map((f) => f.env));
const POD_IP = '10.244.1.7';
/**
 * Pod identity from the downward API: not serve flags. The composition roots read them for the Event
 * namespace and the controller's leader Lease (namespace and holder identity); POD_IP only feeds the
 * transfer endpoint's advertised address through the kubelet's $(VAR) expansion.
 */
const POD_IDENTITY = new Set(['POD_NAMESPACE', 'POD_NAME', 'POD_IP']);

/** The driver container's environment as the kubelet would resolve it on node-a. */
function envOf(c: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of c.env) {
    const name = String(e['name']);
    if (typeof e['value'] === 'string') env[name] = e['value'];
    const field = asObj(asObj(e['valueFrom'] ?? { fieldRef: {} }, 'valueFrom')['fieldRef'] ?? {}, 'fieldRef')['fieldPath'];
    if (field === 'spec.nodeName') env[name] = NODE;
    if (field === 'metadata.namespace') env[name] = NAMESPACE;
    if (field === 'status.podIP') env[name] = POD_IP;
  }
  // The kubelet expands $(NAME) of variables defined earlier in the list.
  for (const [k, v] of Object.entries(env)) env[k] = v?.replace(/\$\(([A-Z_]+)\)/g, (m, ref: string) => env[ref] ?? m);
  return env;
}

function driverConfig(template: string, kind: string, overrides: Obj = {}): { config: Config; pod: Obj } {
  const pod = workload(template, kind, overrides);
  const driver = container(pod, 'driver');
  const [command, ...args] = driver.args.filter((a) => a !== 'MASKED');
  assert.equal(command, 'serve');
  return { config: parseServeConfig(args, envOf(driver)), pod };
}

test('the driver gets only flags and env vars that `zfs-csi serve` knows', () => {
  for (const [template, kind] of [['controller-deployment.yaml', 'Deployment'], ['node-daemonset.yaml', 'DaemonSet']] as const) {
    const driver = container(workload(template, kind), 'driver');
    for (const e of driver.env) {
      const name = String(e['name']);
      assert.ok(ENVS.has(name) || POD_IDENTITY.has(name), `${template}: env ${name} is not in SERVE_FLAGS`);
    }
    for (const a of driver.args.filter((x) => x.startsWith('--'))) {
      const name = a.slice(2).split('=')[0] ?? '';
      assert.ok(Object.hasOwn(SERVE_FLAGS, name), `${template}: flag ${a} is not in SERVE_FLAGS`);
    }
  }
});

test('the node plugin configuration parses into what the values ask for', () => {
  const values = defaultValues();
  const node = asObj(values['node'], 'node');
  const { config } = driverConfig('node-daemonset.yaml', 'DaemonSet');
  assert.equal(config.mode, 'node');
  assert.equal(config.nodeId, NODE, 'ZFS_CSI_NODE_ID comes from spec.nodeName');
  assert.deepEqual(config.parents, node['parents']);
  assert.equal(config.mountRoot, node['mountRoot']);
  assert.deepEqual(config.publishRoots, [node['kubeletDir']], 'publish targets only below the kubelet directory');
  assert.equal(config.zfsCommand, node['zfsCommand']);
  assert.equal(config.zpoolCommand, node['zpoolCommand']);
  assert.deepEqual(config.zfsPrefix, ['/usr/bin/nsenter', '--target', '1', '--mount', '--']);
  assert.equal(config.sweepIntervalSeconds, node['sweepIntervalSeconds']);
  assert.equal(config.recoverResources, false, 'CR recovery is opt-in');
  assert.equal(node['recoverResources'], false);
  // Every branch is rendered here, so the transfer settings (node.transfer.enabled) are read too.
  const transfer = asObj(node['transfer'], 'transfer');
  assert.deepEqual(config.transfer?.listen, { host: '0.0.0.0', port: transfer['port'] });
  assert.equal(config.transfer?.advertise, `${POD_IP}:${String(transfer['port'])}`, 'peers dial the pod IP');
  assert.equal(config.transfer?.stallSeconds, transfer['stallTimeoutSeconds']);
  assert.deepEqual(config.transfer?.peers, new Map(), 'no --peer list: ZfsTransfers name the peers');
  // Every branch renders, so this is the signer alternative (the hostPath one only drops its env).
  assert.deepEqual(config.transfer?.certificates, { kind: 'signer', caConfigMap: 'zfs-csi-transfer-ca', seconds: transfer['certificateSeconds'], signerName: 'zfs.csi.dev/transfer' });
  assert.equal(transfer['certificates'], 'hostPath', 'signer certificates are opt-in');
  assert.equal(config.driverName, values['driverName']);
  assert.equal(config.metricsAddress, `:${String(asObj(values['metrics'], 'metrics')['port'])}`);
});

test('the controller signs for the node ServiceAccount the chart binds, and both sides name the same CA ConfigMap', () => {
  const { config } = driverConfig('controller-deployment.yaml', 'Deployment');
  const nodeConfig = driverConfig('node-daemonset.yaml', 'DaemonSet').config;
  const binding = renderTemplate('rbac-node.yaml').find((d) => d['kind'] === 'ClusterRoleBinding');
  const subject = asObj(asArray(binding?.['subjects'])[0], 'subject');
  assert.equal(config.signer?.requester, `system:serviceaccount:${String(subject['namespace'])}:${String(subject['name'])}`);
  const ca = renderTemplate('transfer-ca.yaml').map((d) => [d['kind'], asObj(d['metadata'], 'metadata')['name']]);
  assert.deepEqual(ca, [['Secret', config.signer?.ca?.secret], ['ConfigMap', config.signer?.ca?.configMap]]);
  assert.equal(nodeConfig.transfer?.certificates.kind === 'signer' ? nodeConfig.transfer.certificates.caConfigMap : '', config.signer?.ca?.configMap);
  assert.equal(config.signer?.signerName, 'zfs.csi.dev/transfer');
  const secret = renderTemplate('transfer-ca.yaml')[0] ?? {};
  assert.equal(secret['data'], undefined, 'the chart never carries the CA key: the controller makes it');
  assert.equal(asObj(asObj(secret['metadata'], 'metadata')['annotations'], 'annotations')['helm.sh/resource-policy'], 'keep');
  assert.match(read(CHART, 'templates', 'transfer-ca.yaml'), /^\{\{- \$t := \.Values\.node\.transfer \}\}\n\{\{- if and \$t\.enabled \(eq \$t\.certificates "signer"\) \}\}\n/);
});

/** The driver container's env of a workload rendered with `overrides`, by name (every branch renders). */
function driverEnv(template: string, kind: string, overrides: Obj): Map<string, string> {
  return new Map(container(workload(template, kind, overrides), 'driver').env.map((e) => [String(e['name']), String(e['value'])]));
}

const certManager = (issuer: Obj): Obj => ({
  node: { transfer: { enabled: true, certificates: 'certManager', certManager: { issuerKind: 'ClusterIssuer', issuerName: 'zfs', issuerNamespace: '', caConfigMap: 'trust', ...issuer } } },
});

test('certManager: controller and nodes name cert-manager\'s signer, the nodes trust the named ConfigMap, and the controller signs only its own', () => {
  for (const [issuer, signer] of [
    [{}, 'clusterissuers.cert-manager.io/zfs'],
    [{ issuerKind: 'Issuer' }, `issuers.cert-manager.io/${NAMESPACE}.zfs`],
    [{ issuerKind: 'Issuer', issuerNamespace: 'pki' }, 'issuers.cert-manager.io/pki.zfs'],
  ] as const) {
    const values = certManager(issuer);
    const controller = driverEnv('controller-deployment.yaml', 'Deployment', values);
    const node = driverEnv('node-daemonset.yaml', 'DaemonSet', values);
    assert.equal(controller.get('ZFS_CSI_TRANSFER_SIGNER_NAME'), signer);
    assert.equal(node.get('ZFS_CSI_TRANSFER_SIGNER_NAME'), signer);
    assert.equal(node.get('ZFS_CSI_TRANSFER_CA_CONFIGMAP'), 'trust');
    // What the code makes of the controller's signer flags without the own-CA branch (a real render drops it).
    const flags = ['--mode', 'controller', '--transfer-signer-requester', String(controller.get('ZFS_CSI_TRANSFER_SIGNER_REQUESTER')), '--transfer-signer-name', signer];
    assert.deepEqual(parseServeConfig(flags, {}).signer?.ca, undefined, 'an external signer: no CA of the driver');
    const rules = renderTemplate('rbac-controller.yaml', values).flatMap((d) => asArray(d['rules']).map((r) => asObj(r, 'rule')));
    const on = (verb: string): unknown[] => rules.filter((r) => asArray(r['resources']).includes('signers') && asArray(r['verbs']).includes(verb)).flatMap((r) => asArray(r['resourceNames']));
    assert.deepEqual(on('approve'), [signer]);
    assert.deepEqual(on('sign'), ['zfs.csi.dev/transfer'], 'never sign for cert-manager\'s issuer');
    const role = renderTemplate('rbac-node.yaml', values).find((d) => d['kind'] === 'Role');
    assert.deepEqual(asArray(asObj(asArray(role?.['rules'])[0], 'rule')['resourceNames']), ['trust']);
  }
  assert.throws(() => renderTemplate('controller-deployment.yaml', certManager({ issuerName: '' })), /issuerName is required/);
  assert.throws(() => renderTemplate('node-daemonset.yaml', certManager({ caConfigMap: '' })), /caConfigMap is required/);
});

test('the chroot alternative gives the chroot prefix, and hostPID only for nsenter', () => {
  const chroot = driverConfig('node-daemonset.yaml', 'DaemonSet', { node: { hostAccess: 'chroot' } });
  assert.deepEqual(chroot.config.zfsPrefix, ['/usr/sbin/chroot', '/host']);
  assert.equal(podSpec(chroot.pod)['hostPID'], false);
  assert.equal(podSpec(workload('node-daemonset.yaml', 'DaemonSet'))['hostPID'], true);
  const custom = driverConfig('node-daemonset.yaml', 'DaemonSet', { node: { zfsPrefix: '/usr/bin/nsenter -t 1 -m --' } });
  assert.deepEqual(custom.config.zfsPrefix, ['/usr/bin/nsenter', '-t', '1', '-m', '--']);
});

test('the controller configuration parses and the driver name is the code default', () => {
  const { config } = driverConfig('controller-deployment.yaml', 'Deployment');
  assert.equal(config.mode, 'controller');
  const codeDefault = parseServeConfig(['--mode', 'controller'], {}).driverName;
  assert.equal(defaultValues()['driverName'], codeDefault);
  assert.equal(config.driverName, codeDefault);
  const csiDriver = renderTemplate('csidriver.yaml')[0] ?? {};
  assert.equal(asObj(csiDriver['metadata'], 'metadata')['name'], codeDefault);
  assert.deepEqual(csiDriver['spec'], {
    attachRequired: false, podInfoOnMount: false, fsGroupPolicy: 'File', storageCapacity: true,
    volumeLifecycleModes: ['Persistent'],
  });
});

test('every container of a pod reaches the socket the driver listens on', () => {
  for (const [template, kind] of [['controller-deployment.yaml', 'Deployment'], ['node-daemonset.yaml', 'DaemonSet']] as const) {
    const { config, pod } = driverConfig(template, kind);
    for (const c of containers(pod)) {
      const mount = c.volumeMounts.find((m) => m['mountPath'] === dirname(config.socketPath));
      assert.ok(mount, `${template} ${c.name}: mounts ${dirname(config.socketPath)}`);
      if (c.name !== 'driver') assert.equal(flag(c.args, 'csi-address'), config.socketPath, `${template} ${c.name}`);
    }
  }
});

test('the registrar registers the socket where the kubelet finds it, under the driver name', () => {
  const values = defaultValues();
  const kubeletDir = String(asObj(values['node'], 'node')['kubeletDir']);
  const pod = workload('node-daemonset.yaml', 'DaemonSet');
  const pluginDir = `${kubeletDir}/plugins/${String(values['driverName'])}`;
  assert.equal(flag(container(pod, 'node-driver-registrar').args, 'kubelet-registration-path'), `${pluginDir}/csi.sock`);
  const volumes = asArray(podSpec(pod)['volumes']).map((v) => asObj(v, 'volume'));
  const hostPath = (name: string): unknown => asObj(volumes.find((v) => v['name'] === name)?.['hostPath'], name)['path'];
  assert.equal(hostPath('plugin-dir'), pluginDir);
  assert.equal(hostPath('registration-dir'), `${kubeletDir}/plugins_registry`);
  assert.equal(helperDefine('zfs-csi.socketDir'), '/csi');
});

test('host paths are only the kubelet dir, plugin dirs, mount root, /dev (and / for chroot); mounts propagate', () => {
  const pod = workload('node-daemonset.yaml', 'DaemonSet');
  const paths = asArray(podSpec(pod)['volumes']).flatMap((v) => {
    const hp = asObj(v, 'volume')['hostPath'];
    return hp === undefined ? [] : [String(asObj(hp, 'hostPath')['path'])];
  });
  assert.deepEqual(paths.sort(), ['/', '/dev', '/etc/zfs-csi/transfer', '/var/lib/kubelet', '/var/lib/kubelet/plugins/zfs.csi.dev', '/var/lib/kubelet/plugins_registry', '/var/lib/zfs-csi/mounts']);
  const driver = container(pod, 'driver');
  const propagation = (path: string): unknown => driver.volumeMounts.find((m) => m['mountPath'] === path)?.['mountPropagation'];
  assert.equal(propagation('/var/lib/kubelet'), 'Bidirectional');
  assert.equal(propagation('/var/lib/zfs-csi/mounts'), 'Bidirectional');
  assert.match(read(CHART, 'templates', 'node-daemonset.yaml'), /\{\{- if \$chroot \}\}\n\s+- name: host-root\n\s+hostPath:\n\s+path: \/\n/);
  // The node's own transfer key, read-only, and only when transfers are on.
  // hostPath certificates: the node's own key, read-only; signer: a memory-backed volume the agent writes.
  assert.match(read(CHART, 'templates', 'node-daemonset.yaml'), /\{\{- if \$n\.transfer\.enabled \}\}\n\s+- name: transfer-tls\n\s+\{\{- if \$signer \}\}\n(\s+#.*\n)*\s+emptyDir:\n\s+medium: Memory\n\s+sizeLimit: 1Mi\n\s+\{\{- else \}\}\n\s+hostPath:\n\s+path: \{\{ \$n\.transfer\.tlsHostPath \}\}\n/);
  assert.match(read(CHART, 'templates', 'node-daemonset.yaml'), /mountPath: \/etc\/zfs-csi\/transfer\n\s+\{\{- if not \$signer \}\}\n\s+readOnly: true\n\s+\{\{- end \}\}/);
  const tlsMount = driver.volumeMounts.find((m) => m['name'] === 'transfer-tls');
  assert.equal(tlsMount?.['readOnly'], true);
  const { config } = driverConfig('node-daemonset.yaml', 'DaemonSet');
  for (const file of Object.values(config.transfer?.tls ?? {})) assert.equal(dirname(file), tlsMount?.['mountPath'], file);
});

test('metrics and health ports agree between the driver, the probes and the Service', () => {
  const values = defaultValues();
  const port = asObj(values['metrics'], 'metrics')['port'];
  const service = renderTemplate('metrics-service.yaml')[0] ?? {};
  const servicePorts = asArray(asObj(service['spec'], 'spec')['ports']).map((p) => asObj(p, 'port'));
  assert.deepEqual(servicePorts.map((p) => [p['port'], p['targetPort']]), [[port, 'metrics']]);
  for (const [template, kind, section] of [['controller-deployment.yaml', 'Deployment', 'controller'], ['node-daemonset.yaml', 'DaemonSet', 'node']] as const) {
    const pod = workload(template, kind);
    const driver = container(pod, 'driver');
    const named = (n: string): unknown => driver.ports.find((p) => p['name'] === n)?.['containerPort'];
    assert.equal(named('metrics'), port);
    const probePort = asObj(asObj(values[section], section)['livenessProbe'], 'livenessProbe')['port'];
    assert.equal(named('healthz'), probePort);
    assert.equal(flag(container(pod, 'liveness-probe').args, 'http-endpoint'), `:${String(probePort)}`);
    const all = asArray(podSpec(pod)['containers']).flatMap((c) => asArray(asObj(c, 'c')['ports']).map((p) => asObj(p, 'p')['containerPort']));
    assert.equal(new Set(all).size, all.length, `${template}: ports collide`);
  }
});

test('the provisioner runs with topology, strict topology, capacity owned by the Deployment and leader election', () => {
  const args = container(workload('controller-deployment.yaml', 'Deployment'), 'csi-provisioner').args;
  for (const a of ['--feature-gates=Topology=true', '--strict-topology', '--extra-create-metadata', '--enable-capacity', '--capacity-ownerref-level=2', '--leader-election']) {
    assert.ok(args.includes(a), a);
  }
});

test('the resizer runs with the VolumeAttributesClass gate (MODIFY_VOLUME) and reads VolumeAttributesClasses', () => {
  const args = container(workload('controller-deployment.yaml', 'Deployment'), 'csi-resizer').args;
  for (const a of ['--feature-gates=VolumeAttributesClass=true', '--leader-election']) assert.ok(args.includes(a), a);
  assert.ok((CONTROLLER_CAPABILITIES as readonly string[]).includes('MODIFY_VOLUME'), 'the gate needs the capability');
  const text = read(CHART, 'templates', 'rbac-controller.yaml');
  // Outside the resizer's switch: the provisioner reads the classes too (mutable_parameters at create).
  assert.match(text, /resources: \[[^\]]*"volumeattributesclasses"[^\]]*\]\n\s+verbs: \["get", "list", "watch"\]/);
});

test('the topology key is the one NodeGetInfo reports', () => {
  assert.equal(helperDefine('zfs-csi.topologyKey'), TOPOLOGY_NODE_KEY);
});

test('StorageClasses name the driver and pass only parameters the driver accepts', () => {
  const values = defaultValues();
  assert.ok((DRIVER_KEYS as readonly string[]).includes('parentDataset'));
  assert.match(read(CHART, 'templates', 'storageclasses.yaml'), /^\s+parentDataset: /m);
  for (const sc of asArray(values['storageClasses']).map((s) => asObj(s, 'storageClass'))) {
    for (const key of Object.keys(asObj(sc['parameters'] ?? {}, 'parameters'))) assert.ok(allowedKeys().includes(key), key);
    assert.equal(sc['volumeBindingMode'], 'WaitForFirstConsumer');
  }
  for (const doc of renderTemplate('storageclasses.yaml')) assert.equal(doc['provisioner'], values['driverName']);
  for (const doc of renderTemplate('volumesnapshotclasses.yaml')) {
    assert.equal(doc['driver'], values['driverName']);
    assert.equal(doc['parameters'], undefined, 'CreateSnapshot refuses every parameter');
  }
});

test('chart objects carry no finalizers (only the agent sets zfs.csi.dev/dataset, on its resources)', () => {
  const text = ['controller-deployment.yaml', 'node-daemonset.yaml', 'rbac-controller.yaml', 'rbac-node.yaml'].map((t) => read(CHART, 'templates', t)).join('\n');
  assert.doesNotMatch(text, /finalizers:/);
});

test('Chart appVersion is the package version, and the image tag defaults to it', () => {
  const pkg = asObj(JSON.parse(read(REPO, 'package.json')), 'package.json');
  assert.equal(chartYaml()['appVersion'], pkg['version']);
  assert.equal(asObj(defaultValues()['image'], 'image')['tag'], '');
  assert.equal(container(workload('node-daemonset.yaml', 'DaemonSet'), 'driver').image.split(':').pop(), pkg['version']);
  assert.match(String(chartYaml()['kubeVersion']), /^>=1\.30/);
});

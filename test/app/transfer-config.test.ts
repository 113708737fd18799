import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseServeConfig } from '../../src/app/config.js';

const BASE = ['--mode', 'standalone', '--node-id', 'node-a', '--parent', 'tank/csi', '--endpoint', 'unix:///run/x/csi.sock'];
const TLS = ['--tls-cert', '/etc/t/a.crt', '--tls-key', '/etc/t/a.key', '--tls-ca', '/etc/t/ca.crt'];

function problems(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseServeConfig(argv, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

test('no transfer flag: transfers are off', () => {
  assert.equal(parseServeConfig(BASE, {}).transfer, undefined);
});

test('peers, listen address, TLS files and the admin socket beside the CSI socket', () => {
  const t = parseServeConfig([...BASE, ...TLS, '--transfer-listen', '0.0.0.0:7443', '--peer', 'node-b=10.0.0.2:7443', '--peer', 'node-c=[fd00::3]:7443'], {}).transfer;
  assert.ok(t);
  assert.deepEqual(t.listen, { host: '0.0.0.0', port: 7443 });
  assert.deepEqual([...t.peers], [['node-b', { host: '10.0.0.2', port: 7443 }], ['node-c', { host: 'fd00::3', port: 7443 }]]);
  assert.deepEqual(t.tls, { cert: '/etc/t/a.crt', key: '/etc/t/a.key', ca: '/etc/t/ca.crt' });
  assert.equal(t.adminSocket, '/run/x/admin.sock');
  assert.equal(t.stallSeconds, 60);
});

test('the environment carries peers comma-separated', () => {
  const t = parseServeConfig([...BASE, ...TLS], { ZFS_CSI_PEERS: 'node-b=h2:1,node-c=h3:2' }).transfer;
  assert.deepEqual([...(t?.peers.keys() ?? [])], ['node-b', 'node-c']);
});

test('every transfer mistake is named at once', () => {
  const found = problems([...BASE, '--peer', 'node-a=h:1', '--peer', 'bad', '--peer', 'node-b=h:0', '--peer', 'node-c=h:1', '--peer', 'node-c=h:2',
    '--transfer-listen', 'nohost', '--transfer-stall-timeout', '0', '--tls-cert', 'relative.crt']);
  for (const expected of [/--peer node-a is this node/, /--peer must be NODE=HOST:PORT \(got "bad"\)/, /--peer node-b must be HOST:PORT/,
    /--peer node-c is given twice/, /--transfer-listen must be HOST:PORT/, /--transfer-stall-timeout/, /--tls-cert must be an absolute path/,
    /--tls-key must be an absolute path/, /--tls-ca must be an absolute path/]) {
    assert.ok(found.some((p) => expected.test(p)), `${String(expected)} in ${JSON.stringify(found)}`);
  }
});

test('the controller never carries data: transfer flags there are refused, not ignored', () => {
  const found = problems(['--mode', 'controller', '--node-id', 'n', ...TLS, '--transfer-listen', '0.0.0.0:7443']);
  assert.ok(found.some((p) => /for standalone and node mode/.test(p)), JSON.stringify(found));
});

const NODE = ['--mode', 'node', '--node-id', 'node-a', '--parent', 'tank/csi', '--endpoint', 'unix:///csi/csi.sock', ...TLS];

test('node mode: the endpoint listens everywhere and advertises the pod address', () => {
  const t = parseServeConfig([...NODE, '--transfer-listen', '0.0.0.0:7443', '--transfer-advertise', '10.244.1.7:7443'], {}).transfer;
  assert.deepEqual(t?.listen, { host: '0.0.0.0', port: 7443 });
  assert.equal(t?.advertise, '10.244.1.7:7443');
  assert.equal(parseServeConfig([...NODE, '--transfer-listen', '[fd00::7]:7443'], {}).transfer?.advertise, '[fd00::7]:7443', 'a real listen address is its own advertisement');
});

test('node mode: no --peer list, no admin socket, and an address peers can dial', () => {
  const found = problems([...NODE, '--peer', 'node-b=h:1', '--admin-endpoint', 'unix:///csi/admin.sock']);
  for (const expected of [/--peer is for standalone mode; in Kubernetes mode a ZfsTransfer names the peer/, /--admin-endpoint is for standalone mode/,
    /node mode transfers need --transfer-listen/]) {
    assert.ok(found.some((p) => expected.test(p)), `${String(expected)} in ${JSON.stringify(found)}`);
  }
  const unspecified = problems([...NODE, '--transfer-listen', '0.0.0.0:7443']);
  assert.ok(unspecified.some((p) => /give --transfer-advertise/.test(p)), JSON.stringify(unspecified));
  const bad = problems([...NODE, '--transfer-listen', '0.0.0.0:7443', '--transfer-advertise', '$(POD_IP):7443']);
  assert.ok(bad.some((p) => /--transfer-advertise must be HOST:PORT/.test(p)), JSON.stringify(bad));
});

const said = (argv: readonly string[]): string => problems(argv).join('\n');

test('signer certificates: node mode with the CA ConfigMap; files stay the default', () => {
  const listen = ['--transfer-listen', '0.0.0.0:7443', '--transfer-advertise', '10.0.0.1:7443'];
  assert.deepEqual(parseServeConfig([...NODE, ...listen], {}).transfer?.certificates, { kind: 'files' });
  const t = parseServeConfig([...NODE, ...listen, '--transfer-certificates', 'signer', '--transfer-ca-configmap', 'zfs-csi-transfer-ca'], {}).transfer;
  assert.deepEqual(t?.certificates, { kind: 'signer', caConfigMap: 'zfs-csi-transfer-ca', seconds: 86400, signerName: undefined });
  const cm = parseServeConfig([...NODE, ...listen, '--transfer-certificates', 'signer', '--transfer-ca-configmap', 'trust', '--transfer-signer-name', 'clusterissuers.cert-manager.io/zfs'], {}).transfer;
  assert.deepEqual(cm?.certificates, { kind: 'signer', caConfigMap: 'trust', seconds: 86400, signerName: 'clusterissuers.cert-manager.io/zfs' });
  assert.match(said([...NODE, ...listen, '--transfer-certificates', 'signer', '--transfer-ca-configmap', 'x', '--transfer-signer-name', 'no-domain']), /--transfer-signer-name must be DOMAIN\/PATH/);
  assert.match(said([...NODE, ...listen, '--transfer-signer-name', 'clusterissuers.cert-manager.io/zfs']), /--transfer-signer-name is for --transfer-certificates signer/);
  const found = said([...NODE, ...listen, '--transfer-certificates', 'signer', '--transfer-cert-seconds', '60']);
  assert.match(found, /needs --transfer-ca-configmap/);
  assert.match(found, /--transfer-cert-seconds must be a whole number from 600 to 2592000/);
  assert.match(said([...NODE, ...listen, '--transfer-certificates', 'acme']), /--transfer-certificates must be files or signer/);
  assert.match(said([...BASE, ...TLS, '--transfer-certificates', 'signer', '--transfer-ca-configmap', 'x']), /signer is for node mode/);
});

test('the controller\'s signer: a ServiceAccount requester, the CA Secret and ConfigMap; other modes refuse it', () => {
  const signer = ['--transfer-signer-requester', 'system:serviceaccount:zfs-system:zfs-csi-node', '--transfer-ca-secret', 'ca', '--transfer-ca-configmap', 'ca'];
  const requester = 'system:serviceaccount:zfs-system:zfs-csi-node';
  assert.deepEqual(parseServeConfig(['--mode', 'controller', ...signer], {}).signer,
    { requester, signerName: 'zfs.csi.dev/transfer', ca: { secret: 'ca', configMap: 'ca' } });
  assert.deepEqual(parseServeConfig(['--mode', 'controller', ...signer, '--transfer-signer-name', 'zfs.csi.dev/transfer'], {}).signer?.ca, { secret: 'ca', configMap: 'ca' }, 'its own name, given: the same');
  // An external signer (cert-manager) issues with its own CA: the controller only approves.
  assert.deepEqual(parseServeConfig(['--mode', 'controller', '--transfer-signer-requester', requester, '--transfer-signer-name', 'clusterissuers.cert-manager.io/zfs'], {}).signer,
    { requester, signerName: 'clusterissuers.cert-manager.io/zfs', ca: undefined });
  assert.match(said(['--mode', 'controller', ...signer, '--transfer-signer-name', 'clusterissuers.cert-manager.io/zfs']), /are for the driver's own signer zfs.csi.dev\/transfer/);
  assert.match(said(['--mode', 'controller', '--transfer-signer-name', 'clusterissuers.cert-manager.io/zfs']), /needs --transfer-signer-requester/);
  assert.equal(parseServeConfig(['--mode', 'controller'], {}).signer, undefined);
  assert.match(said(['--mode', 'controller', '--transfer-signer-requester', 'kubernetes-admin', '--transfer-ca-secret', 'ca']), /system:serviceaccount:NAMESPACE:NAME[\s\S]*needs --transfer-ca-configmap/);
  assert.match(said([...NODE, ...signer]), /are for controller mode/);
});

test('the zfs-fuse mount lock is host-wide unless told process, by flag or env; anything else is named', () => {
  assert.equal(parseServeConfig(BASE, {}).zfsFuseMountLock, 'host');
  assert.equal(parseServeConfig([...BASE, '--zfs-fuse-mount-lock', 'process'], {}).zfsFuseMountLock, 'process');
  assert.equal(parseServeConfig(BASE, { ZFS_CSI_ZFS_FUSE_MOUNT_LOCK: 'process' }).zfsFuseMountLock, 'process');
  assert.ok(problems([...BASE, '--zfs-fuse-mount-lock', 'none']).some((p) => /--zfs-fuse-mount-lock must be host or process/.test(p)));
});

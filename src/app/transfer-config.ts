import { dirname, isAbsolute, join } from 'node:path';
import { socketPathOf } from '../grpc/endpoint.js';
import { SIGNER_NAME } from '../store/kube/csr.js';
import { formatHostPort, parseHostPort, type HostPort } from '../transfer/address.js';
import type { TlsFiles } from '../transfer/tls.js';

/** Node-to-node transfers (issue #8, docs/replication.md); absent when no transfer flag is given. */
export interface TransferConfig {
  /** This node's transfer endpoint; undefined: this node only sends (standalone). */
  readonly listen: HostPort | undefined;
  /** Node mode: host:port peers reach the endpoint at, published in the ZfsNode. */
  readonly advertise: string | undefined;
  /** node ID → address. The only nodes this one sends to or accepts streams from. */
  readonly peers: ReadonlyMap<string, HostPort>;
  /** Fixed files (made by hand), or node mode's signer: then the agent writes them itself. */
  readonly tls: TlsFiles;
  readonly certificates: CertificateSource;
  /** Unix socket of the admin API that `zfs-csi ctl transfer` talks to. */
  readonly adminSocket: string;
  /** A stream that moves no byte for this long is aborted (and leaves nothing behind). */
  readonly stallSeconds: number;
}

/** Where the node's certificate comes from (docs/replication.md "Certificates"). */
export type CertificateSource =
  | { readonly kind: 'files' }
  /** signerName undefined: the driver's own signer (the controller issues); else an external one (cert-manager). */
  | { readonly kind: 'signer'; readonly caConfigMap: string; readonly seconds: number; readonly signerName: string | undefined };

export const TRANSFER_FLAGS = {
  'transfer-listen': { env: 'ZFS_CSI_TRANSFER_LISTEN', help: 'host:port of this node\'s transfer endpoint (mutual TLS; docs/replication.md)' },
  'transfer-advertise': { env: 'ZFS_CSI_TRANSFER_ADVERTISE', help: 'node mode: host:port peers reach it at (default: --transfer-listen)' },
  peer: { env: 'ZFS_CSI_PEERS', help: 'NODE=HOST:PORT of a node to transfer with; repeat (env: comma-separated)' },
  'tls-cert': { env: 'ZFS_CSI_TLS_CERT', help: 'transfer certificate of this node (CN = --node-id)' },
  'tls-key': { env: 'ZFS_CSI_TLS_KEY', help: 'its private key' },
  'tls-ca': { env: 'ZFS_CSI_TLS_CA', help: 'the transfer CA every peer\'s certificate must chain to' },
  'transfer-certificates': { env: 'ZFS_CSI_TRANSFER_CERTIFICATES', help: 'files | signer: node mode may ask the controller\'s signer by CertificateSigningRequest and keep key, certificate and CA in the --tls-* files (default files)' },
  'transfer-ca-configmap': { env: 'ZFS_CSI_TRANSFER_CA_CONFIGMAP', help: 'signer: ConfigMap (in POD_NAMESPACE) where the controller publishes the transfer CA as ca.crt' },
  'transfer-signer-name': { env: 'ZFS_CSI_TRANSFER_SIGNER_NAME', help: 'signer: the CSR signerName, when not the driver\'s own DRIVER/transfer; e.g. clusterissuers.cert-manager.io/NAME, which cert-manager issues after the controller approves (node and controller mode alike)' },
  'transfer-cert-seconds': { env: 'ZFS_CSI_TRANSFER_CERT_SECONDS', help: 'signer: certificate lifetime to ask for, 600–2592000 (default 86400; renewed at 2/3)' },
  'admin-endpoint': { env: 'ZFS_CSI_ADMIN_ENDPOINT', help: 'standalone: unix socket for `ctl import` and `ctl transfer-*` (default: admin.sock beside the CSI socket)' },
  'transfer-stall-timeout': { env: 'ZFS_CSI_TRANSFER_STALL_TIMEOUT', help: 'seconds without progress before a transfer is aborted (default 60)' },
} as const;
export type TransferFlag = keyof typeof TRANSFER_FLAGS;

export interface TransferInput {
  readonly get: (flag: TransferFlag) => string | undefined;
  /** Every --peer given, or the env list. */
  readonly peers: readonly string[];
  readonly mode: string | undefined;
  readonly nodeId: string;
  readonly socketPath: string;
}

/** Decodes the transfer flags; problems are pushed (config.ts reports all of them at once). */
export function parseTransferConfig(input: TransferInput, problems: string[]): TransferConfig | undefined {
  const { get } = input;
  const given = input.peers.length > 0 || (['transfer-listen', 'transfer-advertise', 'tls-cert', 'tls-key', 'tls-ca'] as const).some((f) => get(f) !== undefined);
  if (!given) return undefined;
  if (input.mode !== 'standalone' && input.mode !== 'node') {
    problems.push('transfer flags (--peer, --transfer-listen, --tls-*) are for standalone and node mode; the controller never carries data');
    return undefined;
  }
  if (input.mode === 'node') nodeModeRules(input, problems);
  const tls = { cert: get('tls-cert') ?? '', key: get('tls-key') ?? '', ca: get('tls-ca') ?? '' };
  for (const [flag, path] of Object.entries(tls)) {
    if (!isAbsolute(path)) problems.push(`--tls-${flag} must be an absolute path when transfers are configured (got ${JSON.stringify(path)})`);
  }
  const listenText = get('transfer-listen');
  const listen = listenText === undefined ? undefined : hostPort('--transfer-listen', listenText, problems);
  const advertise = input.mode === 'node' ? advertiseOf(get('transfer-advertise'), listen, problems) : undefined;
  const peers = new Map<string, HostPort>();
  for (const entry of input.peers) {
    const eq = entry.indexOf('=');
    const node = eq > 0 ? entry.slice(0, eq) : '';
    if (node === '' || /[\s,=]/.test(node)) problems.push(`--peer must be NODE=HOST:PORT (got ${JSON.stringify(entry)})`);
    else if (node === input.nodeId) problems.push(`--peer ${node} is this node`);
    else if (peers.has(node)) problems.push(`--peer ${node} is given twice`);
    else {
      const address = hostPort(`--peer ${node}`, entry.slice(eq + 1), problems);
      if (address) peers.set(node, address);
    }
  }
  const certificates = certificateSource(input, problems);
  const adminSocket = adminSocketOf(get('admin-endpoint'), input.socketPath, problems);
  const stallSeconds = Number(get('transfer-stall-timeout') ?? '60');
  if (!Number.isInteger(stallSeconds) || stallSeconds < 1) problems.push('--transfer-stall-timeout must be a whole number of seconds ≥ 1');
  return { listen, advertise, peers, tls, certificates, adminSocket, stallSeconds };
}

/** Signer certificates need the API server: node mode only, with the ConfigMap the CA is published in. */
function certificateSource(input: TransferInput, problems: string[]): CertificateSource {
  const kind = input.get('transfer-certificates') ?? 'files';
  if (kind === 'files') {
    if (input.get('transfer-signer-name') !== undefined) problems.push('--transfer-signer-name is for --transfer-certificates signer');
    return { kind };
  }
  if (kind !== 'signer') {
    problems.push(`--transfer-certificates must be files or signer (got ${JSON.stringify(kind)})`);
    return { kind: 'files' };
  }
  if (input.mode !== 'node') problems.push('--transfer-certificates signer is for node mode (it asks the Kubernetes API); standalone uses files');
  const caConfigMap = input.get('transfer-ca-configmap') ?? '';
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(caConfigMap)) problems.push('--transfer-certificates signer needs --transfer-ca-configmap, the ConfigMap the controller publishes the CA in');
  const seconds = Number(input.get('transfer-cert-seconds') ?? '86400');
  if (!Number.isInteger(seconds) || seconds < 600 || seconds > 2_592_000) problems.push('--transfer-cert-seconds must be a whole number from 600 to 2592000');
  const signerName = input.get('transfer-signer-name');
  if (signerName !== undefined && !SIGNER_NAME.test(signerName)) problems.push(`--transfer-signer-name must be DOMAIN/PATH (got ${JSON.stringify(signerName)})`);
  return { kind, caConfigMap, seconds, signerName };
}

/**
 * Kubernetes: the ZfsTransfer resources say who sends to whom, and the controller starts transfers; a
 * --peer list or an admin socket there would be a second, unchecked authority.
 */
function nodeModeRules(input: TransferInput, problems: string[]): void {
  if (input.peers.length > 0) problems.push('--peer is for standalone mode; in Kubernetes mode a ZfsTransfer names the peer');
  if (input.get('admin-endpoint') !== undefined) problems.push('--admin-endpoint is for standalone mode; Kubernetes transfers are ZfsTransfer resources');
  if (input.get('transfer-listen') === undefined) problems.push('node mode transfers need --transfer-listen (every node can be a target)');
}

/** What peers dial: given, or the listen address when it is a real one (not 0.0.0.0 / ::). */
function advertiseOf(given: string | undefined, listen: HostPort | undefined, problems: string[]): string | undefined {
  if (given !== undefined) {
    const a = hostPort('--transfer-advertise', given, problems);
    return a && formatHostPort(a);
  }
  if (listen === undefined) return undefined;
  if (listen.host === '0.0.0.0' || listen.host === '::') {
    problems.push('--transfer-listen binds every address: give --transfer-advertise, the host:port peers reach this node at');
    return undefined;
  }
  return formatHostPort(listen);
}

/** Where `serve` puts the admin socket unless told: beside the CSI socket (ctl assumes the same). */
export const defaultAdminSocket = (csiSocket: string): string => join(dirname(csiSocket), 'admin.sock');

/** The admin socket: given, or the default; never the CSI socket itself. */
export function adminSocketOf(given: string | undefined, csiSocket: string, problems: string[]): string {
  if (given === undefined) return defaultAdminSocket(csiSocket);
  try {
    const path = socketPathOf(given);
    if (path === csiSocket) problems.push('--admin-endpoint must differ from the CSI endpoint');
    return path;
  } catch (err) {
    problems.push(`--admin-endpoint: ${err instanceof Error ? err.message : String(err)}`);
    return given;
  }
}

/** "host:port", "[v6]:port"; port 0 only for --transfer-listen would be useless to peers, so 1–65535. */
function hostPort(flag: string, text: string, problems: string[]): HostPort | undefined {
  const address = parseHostPort(text);
  if (address === undefined) problems.push(`${flag} must be HOST:PORT with a port 1–65535 (got ${JSON.stringify(text)})`);
  return address;
}

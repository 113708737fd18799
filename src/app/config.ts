import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import type { MountLockScope } from '../zfs/cli.js';
import { parseSignerConfig, SIGNER_FLAGS, type SignerConfig } from './signer-config.js';
import { adminSocketOf, parseTransferConfig, TRANSFER_FLAGS, type TransferConfig } from './transfer-config.js';

export type Mode = 'standalone' | 'controller' | 'node';
const MODES: readonly Mode[] = ['standalone', 'controller', 'node'];
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly mode: Mode;
  /** Absolute path of the CSI unix socket. */
  readonly socketPath: string;
  readonly nodeId: string;
  readonly parents: readonly string[];
  readonly mountRoot: string;
  /** NodePublishVolume targets (and the paths of the other node calls) must lie below one of these. */
  readonly publishRoots: readonly string[];
  readonly zfsCommand: string;
  readonly zpoolCommand: string;
  readonly zfsPrefix: readonly string[];
  /** zfs-fuse: who else may mount at the same time (src/zfs/cli.ts mount lock); 'host' unless told. */
  readonly zfsFuseMountLock: MountLockScope;
  readonly logLevel: LogLevel;
  readonly driverName: string;
  readonly sweepIntervalSeconds: number;
  /** Seconds between the node's pool-health reads (NodeGetVolumeStats reads the last one). */
  readonly healthIntervalSeconds: number;
  readonly kubeconfig: string | undefined;
  /** Controller mode: run the driver's own loops only while holding the leader Lease. */
  readonly leaderElection: boolean;
  /** Node mode: re-create missing ZfsVolumes/ZfsSnapshots from the pool's records at start-up (issue #10). */
  readonly recoverResources: boolean;
  readonly metricsAddress: string | undefined;
  /** Node-to-node transfers (standalone and node mode), when configured. */
  readonly transfer: TransferConfig | undefined;
  /** Controller mode: the transfer certificate signer, when configured. */
  readonly signer: SignerConfig | undefined;
  /** Standalone mode: the admin API's unix socket (`ctl import`, `ctl transfer-*`); undefined in the others. */
  readonly adminSocket: string | undefined;
}

/** Flag → environment variable; a flag on the command line wins. */
export const SERVE_FLAGS = {
  mode: { env: 'ZFS_CSI_MODE', help: 'standalone | controller | node' },
  endpoint: { env: 'CSI_ENDPOINT', help: 'CSI socket, unix:///path (default unix:///run/zfs-csi/csi.sock)' },
  'node-id': { env: 'ZFS_CSI_NODE_ID', help: 'this node\'s ID (Kubernetes: the node name)' },
  parent: { env: 'ZFS_CSI_PARENTS', help: 'parent dataset for volumes; repeat (env: comma-separated)' },
  'mount-root': { env: 'ZFS_CSI_MOUNT_ROOT', help: 'where datasets are mounted (default /var/lib/zfs-csi/mounts)' },
  'publish-root': { env: 'ZFS_CSI_PUBLISH_ROOTS', help: 'publish targets must lie below it; repeat (env: comma-separated; default /var/lib/kubelet)' },
  'zfs-command': { env: 'ZFS_CSI_ZFS_COMMAND', help: 'absolute path of zfs (default /sbin/zfs)' },
  'zpool-command': { env: 'ZFS_CSI_ZPOOL_COMMAND', help: 'absolute path of zpool (default /sbin/zpool)' },
  'zfs-prefix': { env: 'ZFS_CSI_ZFS_PREFIX', help: 'argv run before zfs/zpool/mount, e.g. "chroot /host"' },
  'zfs-fuse-mount-lock': { env: 'ZFS_CSI_ZFS_FUSE_MOUNT_LOCK', help: 'zfs-fuse only: host (default; flock(1) across processes) | process (this driver is the only mounter)' },
  'log-level': { env: 'ZFS_CSI_LOG_LEVEL', help: 'error | warn | info | debug (default info)' },
  'driver-name': { env: 'ZFS_CSI_DRIVER_NAME', help: 'CSI driver name (default zfs.csi.dev)' },
  'sweep-interval': { env: 'ZFS_CSI_SWEEP_INTERVAL', help: 'seconds between sweeps of retired data (default 600)' },
  'health-interval': { env: 'ZFS_CSI_HEALTH_INTERVAL', help: 'seconds between pool-health reads for volume conditions (default 30)' },
  'leader-election': { env: 'ZFS_CSI_LEADER_ELECTION', help: 'controller mode: true | false, run the driver\'s loops only in the Lease holder (default true)' },
  'recover-resources': { env: 'ZFS_CSI_RECOVER_RESOURCES', help: 'node mode: true | false, re-create missing ZfsVolumes/ZfsSnapshots from the pool\'s records at start-up (default false)' },
  kubeconfig: { env: 'KUBECONFIG', help: 'kubeconfig outside a cluster (controller and node modes)' },
  'metrics-address': { env: 'ZFS_CSI_METRICS_ADDRESS', help: 'host:port for /metrics, /healthz, /readyz' },
  ...TRANSFER_FLAGS,
  ...SIGNER_FLAGS,
} as const;
const MULTIPLE: readonly string[] = ['parent', 'publish-root', 'peer'];
type Flag = keyof typeof SERVE_FLAGS;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses `serve` flags and env into a Config, or throws ConfigError listing every problem at once. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  let values: Record<string, string | string[] | undefined> = {};
  try {
    const options = Object.fromEntries(
      Object.keys(SERVE_FLAGS).map((k) => [k, { type: 'string' as const, multiple: MULTIPLE.includes(k) }]),
    );
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  const get = (flag: Flag): string | undefined => {
    const v = values[flag];
    const s = Array.isArray(v) ? v[v.length - 1] : v;
    return s ?? nonEmpty(env[SERVE_FLAGS[flag].env]);
  };
  const mode = get('mode');
  if (!mode || !(MODES as readonly string[]).includes(mode)) problems.push(`--mode must be one of ${MODES.join(', ')} (got ${mode ?? 'nothing'})`);
  const socketPath = parseEndpoint(get('endpoint') ?? 'unix:///run/zfs-csi/csi.sock', problems);
  const parents = parentList(values['parent'], env[SERVE_FLAGS.parent.env]);
  const publishRoots = parentList(values['publish-root'], env[SERVE_FLAGS['publish-root'].env]);
  if (publishRoots.length === 0) publishRoots.push(DEFAULT_PUBLISH_ROOT);
  for (const r of publishRoots) {
    if (!isAbsolute(r) || r === '/' || r.split('/').includes('..')) problems.push(`--publish-root must be an absolute directory other than / (got ${JSON.stringify(r)})`);
  }
  const needsNode = mode === 'standalone' || mode === 'node';
  const nodeId = get('node-id') ?? '';
  if (needsNode && nodeId === '') problems.push('--node-id is required in standalone and node modes');
  if (Buffer.byteLength(nodeId) > 256) problems.push('--node-id is longer than 256 bytes (CSI limit)');
  if (needsNode && parents.length === 0) problems.push('--parent is required in standalone and node modes');
  for (const p of parents) if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)+$/.test(p)) problems.push(`--parent ${JSON.stringify(p)} is not a dataset below a pool (pool/dataset)`);
  const mountRoot = absolute('mount-root', get('mount-root') ?? '/var/lib/zfs-csi/mounts', problems);
  const zfsCommand = absolute('zfs-command', get('zfs-command') ?? '/sbin/zfs', problems);
  const zpoolCommand = absolute('zpool-command', get('zpool-command') ?? '/sbin/zpool', problems);
  const mountLock = get('zfs-fuse-mount-lock') ?? 'host';
  if (mountLock !== 'host' && mountLock !== 'process') problems.push('--zfs-fuse-mount-lock must be host or process');
  const logLevel = get('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const sweep = Number(get('sweep-interval') ?? '600');
  if (!Number.isInteger(sweep) || sweep < 1) problems.push('--sweep-interval must be a whole number of seconds ≥ 1');
  const health = Number(get('health-interval') ?? '30');
  if (!Number.isInteger(health) || health < 1) problems.push('--health-interval must be a whole number of seconds ≥ 1');
  const leaderElection = get('leader-election') ?? 'true';
  if (leaderElection !== 'true' && leaderElection !== 'false') problems.push('--leader-election must be true or false');
  const recoverResources = get('recover-resources') ?? 'false';
  if (recoverResources !== 'true' && recoverResources !== 'false') problems.push('--recover-resources must be true or false');
  const transfer = parseTransferConfig({
    get, mode, nodeId, socketPath, peers: parentList(values['peer'], env[SERVE_FLAGS.peer.env]),
  }, problems);
  const signer = parseSignerConfig(get, mode, get('driver-name') ?? 'zfs.csi.dev', problems);
  // Always served in standalone mode: `ctl import` needs it whether or not transfers are configured.
  const adminSocket = mode !== 'standalone' ? undefined : transfer?.adminSocket ?? adminSocketOf(get('admin-endpoint'), socketPath, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    mode: mode as Mode,
    socketPath,
    nodeId,
    parents,
    mountRoot,
    publishRoots,
    zfsCommand,
    zpoolCommand,
    zfsPrefix: (get('zfs-prefix') ?? '').split(/\s+/).filter((s) => s !== ''),
    zfsFuseMountLock: mountLock as MountLockScope,
    logLevel: logLevel as LogLevel,
    driverName: get('driver-name') ?? 'zfs.csi.dev',
    sweepIntervalSeconds: sweep,
    healthIntervalSeconds: health,
    kubeconfig: get('kubeconfig'),
    leaderElection: leaderElection === 'true',
    recoverResources: recoverResources === 'true',
    metricsAddress: get('metrics-address'),
    transfer,
    signer,
    adminSocket,
  };
}

/** The kubelet's directory: every target_path and volume_path it sends lies below it. */
export const DEFAULT_PUBLISH_ROOT = '/var/lib/kubelet';

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

function parentList(flag: string | string[] | undefined, env: string | undefined): string[] {
  const list = Array.isArray(flag) ? flag : flag !== undefined ? [flag] : (env ?? '').split(',');
  return [...new Set(list.map((s) => s.trim()).filter((s) => s !== ''))];
}

function parseEndpoint(endpoint: string, problems: string[]): string {
  const path = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint;
  if (!isAbsolute(path)) problems.push(`--endpoint must be unix:///absolute/path (got ${endpoint})`);
  return path;
}

function absolute(flag: Flag, value: string, problems: string[]): string {
  if (!isAbsolute(value)) problems.push(`--${flag} must be an absolute path (got ${value})`);
  return value;
}

/**
 * Test bench for the node agent: a Kubernetes target (the fake API server, or a real cluster when
 * ZFS_CSI_TEST_KUBECONFIG is set), a scratch parent on the zfs-fuse pool, a mount root in a temp directory,
 * and helpers that write resources the way the controller does (docs/kubernetes-mode.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import winston from 'winston';
import { NodeAgent, type NodeAgentOptions } from '../../src/agent/agent.js';
import { KubeEventSink, type EventSink, type Involved } from '../../src/agent/events.js';
import { newSnapshotId, newVolumeId } from '../../src/csi/ids.js';
import { HostTargetManager } from '../../src/mount/target-manager.js';
import { LinuxMounter } from '../../src/mount/linux-mounter.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { KubeApi } from '../../src/store/kube/api.js';
import { decodeSnapshot, decodeVolume } from '../../src/store/kube/decode.js';
import {
  API_VERSION, NODE_LABEL, PLURAL, type ContentSourceSpec, type ZfsSnapshot, type ZfsVolume,
} from '../../src/store/kube/resources.js';
import { ZfsCli } from '../../src/zfs/cli.js';
import { startKubeTarget, type KubeTarget } from '../k8s/fake-apiserver/index.js';
import { destroyScratch, uniqueParent } from '../support/pool.js';

export const MiB = 1024n * 1024n;

/**
 * ZFS_CSI_TEST_NO_MOUNT=1: datasets get canmount=noauto and publish binds plain directories. Only for a host
 * whose zfs-fuse cannot serve new FUSE mounts (seen here: every stat of a new mount hangs); by default the
 * tests use real mounts.
 */
export const NO_MOUNT = process.env['ZFS_CSI_TEST_NO_MOUNT'] === '1';

export interface RecordedEvent {
  readonly type: 'Warning' | 'Normal';
  readonly involved: Involved;
  readonly reason: string;
  readonly message: string;
}

/** Forwards to the real sink (so the API path runs) and remembers what was sent. */
class RecordingSink implements EventSink {
  readonly events: RecordedEvent[] = [];
  constructor(private readonly inner: EventSink) {}
  warning(involved: Involved, reason: string, message: string): Promise<void> {
    this.events.push({ type: 'Warning', involved, reason, message });
    return this.inner.warning(involved, reason, message);
  }
  normal(involved: Involved, reason: string, message: string): Promise<void> {
    this.events.push({ type: 'Normal', involved, reason, message });
    return this.inner.normal(involved, reason, message);
  }
}

export const silentLog = winston.createLogger({ silent: true });

export interface BenchOptions {
  /** Parent the agent serves; default a fresh scratch parent (created by the agent). */
  readonly parent?: string;
  readonly target?: KubeTarget;
}

export class AgentBench {
  readonly node = `node-${randomBytes(4).toString('hex')}`;
  readonly commands: string[][] = [];
  readonly zfs = new ZfsCli({ onCommand: (e) => this.commands.push([...e.argv]) });
  readonly targets = new HostTargetManager(new LinuxMounter(), { requireMountedSource: !NO_MOUNT });
  readonly api: KubeApi;
  readonly provisioner: Provisioner;
  readonly sink: RecordingSink;
  agent: NodeAgent | undefined;

  private constructor(
    readonly target: KubeTarget,
    readonly parent: string,
    readonly dir: string,
    private readonly ownsTarget: boolean,
  ) {
    this.api = new KubeApi(target.kc);
    this.provisioner = new Provisioner({ zfs: this.zfs, bindsOf: (mp) => this.targets.bindsOf(mp), mountRoot: this.mountRoot });
    this.sink = new RecordingSink(new KubeEventSink(this.api, 'default', silentLog));
  }

  static async create(options: BenchOptions = {}): Promise<AgentBench> {
    const target = options.target ?? (await startKubeTarget({ bookmarkIntervalMs: 200 }));
    const dir = await mkdtemp(join(tmpdir(), 'zfs-csi-agent-'));
    return new AgentBench(target, options.parent ?? uniqueParent('agent'), dir, options.target === undefined);
  }

  get mountRoot(): string {
    return join(this.dir, 'mounts');
  }

  get events(): readonly RecordedEvent[] {
    return this.sink.events;
  }

  /** Starts an agent on this bench's parent (a new one each call: restarts keep the parent). */
  startAgent(overrides: Partial<NodeAgentOptions> = {}): NodeAgent {
    const agent = new NodeAgent({
      api: this.api, zfs: this.zfs, provisioner: this.provisioner, node: this.node, parents: [this.parent],
      log: silentLog, agentVersion: 'test', events: this.sink, retryBaseMs: 50, retryMaxMs: 500, startRetryMs: 100,
      ...overrides,
    });
    agent.start();
    this.agent = agent;
    return agent;
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
  }

  /** Writes a ZfsVolume as the controller does after placement; returns its name (the volume ID). */
  async createVolume(options: {
    bytes?: bigint; source?: ContentSourceSpec; parent?: string; csiName?: string; foreignSnapshots?: 'keep' | 'destroy';
  } = {}): Promise<string> {
    const id = newVolumeId();
    await this.api.create(PLURAL.volume, {
      apiVersion: API_VERSION, kind: 'ZfsVolume',
      metadata: { name: id, labels: { [NODE_LABEL]: this.node } },
      spec: {
        csiName: options.csiName ?? `pvc-${id}`, volumeId: id, nodeName: this.node,
        parentDataset: options.parent ?? this.parent, requestedBytes: String(options.bytes ?? 32n * MiB),
        properties: NO_MOUNT ? { canmount: 'noauto' } : {}, quotaType: 'refquota', thin: true,
        ...(options.source ? { contentSource: options.source } : {}),
        ...(options.foreignSnapshots ? { foreignSnapshots: options.foreignSnapshots } : {}),
      },
    });
    return id;
  }

  async createSnapshot(sourceVolumeId: string): Promise<string> {
    const id = newSnapshotId();
    await this.api.create(PLURAL.snapshot, {
      apiVersion: API_VERSION, kind: 'ZfsSnapshot',
      metadata: { name: id, labels: { [NODE_LABEL]: this.node } },
      spec: { csiName: `snapshot-${id}`, snapshotId: id, sourceVolumeId, nodeName: this.node },
    });
    return id;
  }

  async volume(name: string): Promise<ZfsVolume | undefined> {
    const raw = await this.api.get(PLURAL.volume, name);
    return raw === undefined ? undefined : decodeVolume(raw);
  }

  async snapshot(name: string): Promise<ZfsSnapshot | undefined> {
    const raw = await this.api.get(PLURAL.snapshot, name);
    return raw === undefined ? undefined : decodeSnapshot(raw);
  }

  /** Polls until `done` holds for the volume (undefined = gone); fails with the last state after timeoutMs. */
  waitVolume(name: string, done: (v: ZfsVolume | undefined) => boolean, timeoutMs = 15_000): Promise<ZfsVolume | undefined> {
    return poll(() => this.volume(name), done, timeoutMs, `ZfsVolume ${name}`);
  }

  waitSnapshot(name: string, done: (s: ZfsSnapshot | undefined) => boolean, timeoutMs = 15_000): Promise<ZfsSnapshot | undefined> {
    return poll(() => this.snapshot(name), done, timeoutMs, `ZfsSnapshot ${name}`);
  }

  waitReady(name: string): Promise<ZfsVolume | undefined> {
    return this.waitVolume(name, (v) => v?.status?.phase === 'Ready' && v.status.observedGeneration === v.metadata.generation);
  }

  /** The controller's DeleteVolume / DeleteSnapshot step: merge-patch spec.deletionRequested. */
  async requestDeletion(plural: 'zfsvolumes' | 'zfssnapshots', name: string, value = true): Promise<number> {
    const raw = await this.api.patch(plural, name, { spec: { deletionRequested: value } });
    const decoded = plural === PLURAL.volume ? decodeVolume(raw) : decodeSnapshot(raw);
    return decoded?.metadata.generation ?? 0;
  }

  async cleanup(): Promise<void> {
    await this.stopAgent();
    await destroyScratch(this.parent, [this.dir]);
    await rm(this.dir, { recursive: true, force: true });
    if (this.ownsTarget) await this.target.close();
  }
}

export async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(value, bigintJson)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

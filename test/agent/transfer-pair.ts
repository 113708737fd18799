/**
 * Two node agents on two zfs-fuse pools, one (fake) API server, each with its own transfer certificate:
 * the Kubernetes-mode transfer bench (issue #8). Resources are written as the controller writes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeAgentOptions } from '../../src/agent/agent.js';
import type { AgentTransferOptions } from '../../src/agent/transfers.js';
import { newTransferId } from '../../src/csi/ids.js';
import { decodeTransfer } from '../../src/store/kube/decode.js';
import { API_VERSION, NODE_LABEL, PLURAL, SNAPSHOT_LABEL, TARGET_NODE_LABEL, type ZfsTransfer } from '../../src/store/kube/resources.js';
import { loadTls } from '../../src/transfer/tls.js';
import { ZfsStreams } from '../../src/zfs/stream.js';
import { startKubeTarget, type KubeTarget } from '../k8s/fake-apiserver/index.js';
import { makePki, type TestPki } from '../support/certs.js';
import { TEST_POOL2, uniqueParent } from '../support/pool.js';
import { AgentBench, poll } from './harness.js';

export class TransferPair {
  /** What the senders reported finished (the transfer metrics' feed), in order. */
  readonly finished: ZfsTransfer[] = [];

  private constructor(readonly target: KubeTarget, readonly pki: TestPki, readonly a: AgentBench, readonly b: AgentBench) {}

  static async create(): Promise<TransferPair> {
    const target = await startKubeTarget({ bookmarkIntervalMs: 200 });
    const a = await AgentBench.create({ target });
    const b = await AgentBench.create({ target, parent: uniqueParent('agent', TEST_POOL2) });
    return new TransferPair(target, await makePki(), a, b);
  }

  async transferOptions(bench: AgentBench): Promise<AgentTransferOptions> {
    return {
      tls: await loadTls(await this.pki.node(bench.node), bench.node),
      streams: new ZfsStreams({ zfsPath: '/sbin/zfs', parents: [bench.parent], capabilities: (s) => bench.zfs.capabilities(s) }),
      listen: { host: '127.0.0.1', port: 0 },
      stallMs: 10_000,
      progressMs: 100,
      onFinished: (t) => this.finished.push(t),
    };
  }

  /** Starts the bench's agent with transfers on and waits until its ZfsNode names the endpoint. */
  async start(bench: AgentBench, overrides: Partial<NodeAgentOptions> = {}): Promise<void> {
    const agent = bench.startAgent({ transfers: await this.transferOptions(bench), ...overrides });
    await agent.whenAdopted();
    await agent.publishNode();
  }

  /** A ZfsTransfer as the controller writes it. */
  async createTransfer(spec: { snapshotId: string; volumeId: string; from: AgentBench; to: AgentBench; targetParent?: string; name?: string }): Promise<string> {
    const name = spec.name ?? newTransferId();
    await this.a.api.create(PLURAL.transfer, {
      apiVersion: API_VERSION, kind: 'ZfsTransfer',
      metadata: { name, labels: { [NODE_LABEL]: spec.from.node, [TARGET_NODE_LABEL]: spec.to.node, [SNAPSHOT_LABEL]: spec.snapshotId } },
      spec: {
        snapshotId: spec.snapshotId, volumeId: spec.volumeId, nodeName: spec.from.node, targetNode: spec.to.node,
        ...(spec.targetParent === undefined ? {} : { targetParent: spec.targetParent }),
      },
    });
    return name;
  }

  async transfer(name: string): Promise<ZfsTransfer | undefined> {
    const raw = await this.a.api.get(PLURAL.transfer, name);
    return raw === undefined ? undefined : decodeTransfer(raw);
  }

  waitTransfer(name: string, done: (t: ZfsTransfer | undefined) => boolean, timeoutMs = 60_000): Promise<ZfsTransfer | undefined> {
    return poll(() => this.transfer(name), done, timeoutMs, `ZfsTransfer ${name}`);
  }

  waitFinished(name: string, timeoutMs = 60_000): Promise<ZfsTransfer | undefined> {
    return this.waitTransfer(name, (t) => t?.status?.phase === 'Succeeded' || t?.status?.phase === 'Failed', timeoutMs);
  }

  /** The controller's DeleteSnapshot step for one copy: the deletion intent, then the delete. */
  async discard(name: string): Promise<void> {
    await this.a.api.patch(PLURAL.transfer, name, { spec: { deletionRequested: true } });
    await this.a.api.delete(PLURAL.transfer, name);
  }

  async cleanup(): Promise<void> {
    await this.a.cleanup();
    await this.b.cleanup();
    await this.target.close();
  }
}

/** Writes `mib` MiB of random data into a file of the volume's mountpoint; returns its sha256. */
export async function fill(bench: AgentBench, volumeId: string, file: string, mib: number): Promise<string> {
  const data = randomBytes(mib * 1024 * 1024);
  await writeFile(join(bench.mountRoot, volumeId, file), data);
  return sha256(data);
}

export async function digest(bench: AgentBench, volumeId: string, file: string): Promise<string> {
  return sha256(await readFile(join(bench.mountRoot, volumeId, file)));
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * The end-to-end rig of issue 3 §6: one API server (the fake, or a real one when ZFS_CSI_TEST_KUBECONFIG is
 * set), `zfs-csi serve --mode controller` and two `--mode node` agents (node-a, node-b) as separate
 * processes, each agent on its own zfs-fuse pool standing for its node, and a CSI client per socket.
 * Everything it makes (processes, publish mounts, pools and their files, the temp directory, API objects on
 * a real server) is removed by cleanup(), also after a failed start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import { KubeApi } from '../../src/store/kube/api.js';
import { decodeSnapshot, decodeVolume } from '../../src/store/kube/decode.js';
import { NODE_LABEL, PLURAL, type ZfsSnapshot, type ZfsVolume } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { enforceChartAuthority } from '../k8s/chart-authority.js';
import { fakeKubeConfig, startKubeTarget, type KubeTarget } from '../k8s/fake-apiserver/index.js';
import { unmountBelow } from '../support/pool.js';
import { createNodePool, type NodePool } from './pools.js';
import { ServeProcess } from './processes.js';
import { applyCrds, ensureCoreNodes, removeClusterObjects } from './real-cluster.js';
import { CleanupStack } from '../support/cleanup.js';
import { makePki } from '../support/certs.js';
import { freePort } from '../transfer/peers.js';

const LOG_LEVEL = process.env['ZFS_CSI_E2E_LOG_LEVEL'] ?? 'warn';

export interface E2eNode {
  /** Kubernetes node name (unique per run: a real cluster is shared). */
  readonly name: string;
  readonly pool: NodePool;
  /** This node's own directory: mount root and pod targets. */
  readonly dir: string;
  readonly mountRoot: string;
  readonly agent: ServeProcess;
}

export interface ClusterOptions {
  /** Sparse pool sizes; node-a is the small one (capacity exhaustion). */
  readonly sizeA?: string;
  readonly sizeB?: string;
  /** Node-to-node transfers on (issue #8): each agent gets its own certificate and a loopback endpoint. */
  readonly transfers?: boolean;
  /** The chart's node.recoverResources (issue #10): its RBAC and policy let agents re-create their own records. */
  readonly recoverResources?: boolean;
}

export class E2eCluster {
  private readonly stack = new CleanupStack();
  readonly problems: string[] = this.stack.problems;
  target!: KubeTarget;
  api!: KubeApi;
  controller!: ServeProcess;
  a!: E2eNode;
  b!: E2eNode;

  private constructor(readonly id: string, readonly dir: string) {}

  static async start(options: ClusterOptions = {}): Promise<E2eCluster> {
    const id = randomBytes(3).toString('hex');
    const c = new E2eCluster(id, await mkdtemp(join(tmpdir(), 'zfs-csi-e2e-')));
    try {
      await c.boot(options);
    } catch (err) {
      await c.cleanup().catch(() => undefined);
      throw err;
    }
    return c;
  }

  private async boot(options: ClusterOptions): Promise<void> {
    this.onCleanup(async () => {
      await unmountBelow(this.dir);
      const left = (await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${this.dir}/`);
      if (left) this.problems.push(`${this.dir} still holds mounts; left in place`);
      else await rm(this.dir, { recursive: true, force: true });
    });
    this.target = await startKubeTarget({ bookmarkIntervalMs: 200, historyLimit: 20_000 });
    this.onCleanup(() => this.target.close());
    this.api = new KubeApi(this.target.kc);
    const names = [`node-a-${this.id}`, `node-b-${this.id}`];
    this.onCleanup(() => removeClusterObjects(this.target, names));
    await applyCrds(this.target);
    await ensureCoreNodes(this.target, names);
    // On the fake, every process runs as the identity the chart gives it, under the chart's RBAC and
    // admission policy: what the code needs and the chart does not grant fails here (issue #7 part 1).
    const fake = this.target.fake;
    const authority = fake === undefined ? undefined
      : enforceChartAuthority(fake, options.recoverResources === true ? { node: { recoverResources: true } } : {});
    const kubeconfigFor = async (who: string, token: string | undefined): Promise<string> => {
      const file = join(this.dir, `kubeconfig-${who}`);
      const kc = fake === undefined || token === undefined ? this.target.kc : fakeKubeConfig(fake, token);
      await writeFile(file, kc.exportConfig(), { mode: 0o600 });
      return file;
    };
    const pki = options.transfers === true ? await makePki() : undefined;
    if (pki) this.onCleanup(() => rm(pki.dir, { recursive: true, force: true }));
    const transferArgs = async (name: string): Promise<string[]> => {
      if (!pki) return [];
      const tls = await pki.node(name);
      return ['--transfer-listen', `127.0.0.1:${await freePort()}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca];
    };
    [this.a, this.b] = await Promise.all([
      this.node('a', names[0] ?? '', options.sizeA ?? '128M', await kubeconfigFor('a', authority?.nodeToken(names[0])), await transferArgs(names[0] ?? '')),
      this.node('b', names[1] ?? '', options.sizeB ?? '1G', await kubeconfigFor('b', authority?.nodeToken(names[1])), await transferArgs(names[1] ?? '')),
    ]);
    const kubeconfig = await kubeconfigFor('controller', authority?.controllerToken);
    const endpoint = `unix://${join(this.dir, 'controller.sock')}`;
    this.controller = new ServeProcess('controller', endpoint, [
      '--mode', 'controller', '--endpoint', endpoint, '--kubeconfig', kubeconfig, '--log-level', LOG_LEVEL,
    ], { POD_NAMESPACE: 'zfs-system', POD_NAME: `zfs-csi-controller-${this.id}` }); // the chart's namespace: its Role grants the Lease there
    this.onCleanup(() => this.stopProcess(this.controller));
    await this.controller.start();
    // CreateVolume places by the ZfsNodes in the controller's cache: both nodes must be there first.
    for (const n of [this.a, this.b]) await poll(() => this.capacityOf(n), (bytes) => bytes > 0n, 20_000, `capacity of ${n.name}`);
  }

  private async node(letter: string, name: string, size: string, kubeconfig: string, extraArgs: readonly string[]): Promise<E2eNode> {
    const dir = join(this.dir, `node-${letter}`);
    await mkdir(join(dir, 'pods'), { recursive: true });
    const pool = await createNodePool(`zfscsi-e2e${letter}-${this.id}`, size);
    // Registered after the agent's own stop (undo runs in reverse): publish binds go, then the pool.
    this.onCleanup(async () => {
      await unmountBelow(join(dir, 'pods'));
      const problem = await pool.destroy();
      if (problem) this.problems.push(problem);
    });
    const mountRoot = join(dir, 'mounts');
    const endpoint = `unix://${join(dir, 'csi.sock')}`;
    const agent = new ServeProcess(name, endpoint, [
      '--mode', 'node', '--endpoint', endpoint, '--node-id', name, '--parent', pool.parent, '--mount-root', mountRoot,
      '--publish-root', join(dir, 'pods'), '--kubeconfig', kubeconfig, '--log-level', LOG_LEVEL, ...extraArgs,
    ]);
    this.onCleanup(() => this.stopProcess(agent));
    await agent.start();
    return { name, pool, dir, mountRoot, agent };
  }

  private async stopProcess(p: ServeProcess): Promise<void> {
    await p.stop();
    p.close();
  }

  /** GetCapacity through the controller for one node's topology segment. */
  async capacityOf(n: E2eNode): Promise<bigint> {
    const r = await this.controller.client.controller.GetCapacity({ accessible_topology: { segments: { [TOPOLOGY_NODE_KEY]: n.name } } });
    return BigInt(r.available_capacity);
  }

  nodeByName(name: string): E2eNode {
    const n = [this.a, this.b].find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async volume(id: string): Promise<ZfsVolume | undefined> {
    const raw = await this.api.get(PLURAL.volume, id);
    return raw === undefined ? undefined : decodeVolume(raw);
  }

  async snapshot(id: string): Promise<ZfsSnapshot | undefined> {
    const raw = await this.api.get(PLURAL.snapshot, id);
    return raw === undefined ? undefined : decodeSnapshot(raw);
  }

  /** Names of this run's ZfsVolumes and ZfsSnapshots (both nodes), sorted. */
  async resourceNames(): Promise<{ volumes: string[]; snapshots: string[] }> {
    const names = async (plural: typeof PLURAL.volume | typeof PLURAL.snapshot): Promise<string[]> => {
      const out: string[] = [];
      for (const n of [this.a, this.b]) {
        const list = await this.api.list(plural, `${NODE_LABEL}=${n.name}`);
        for (const item of list.items) {
          const name = (plural === PLURAL.volume ? decodeVolume(item) : decodeSnapshot(item))?.metadata.name;
          if (name) out.push(name);
        }
      }
      return out.sort();
    };
    return { volumes: await names(PLURAL.volume), snapshots: await names(PLURAL.snapshot) };
  }

  /** A cluster loss as n's agent sees it: every resource of n just vanishes, whatever its finalizers. */
  async loseEveryResource(n: E2eNode): Promise<void> {
    const selector = `${NODE_LABEL}=${n.name}`;
    for (const plural of [PLURAL.volume, PLURAL.snapshot]) {
      for (const item of (await this.api.list(plural, selector)).items) {
        const name = (item as { metadata: { name: string } }).metadata.name;
        await this.api.patch(plural, name, { metadata: { finalizers: null } }).catch(() => undefined);
        await this.api.delete(plural, name);
      }
    }
    const left = async (): Promise<number> => (await this.api.list(PLURAL.volume, selector)).items.length + (await this.api.list(PLURAL.snapshot, selector)).items.length;
    await poll(left, (count) => count === 0, 10_000, `every resource of ${n.name} gone`);
  }

  /** Restarts an agent after a crash (same flags, same pool and directories; `extraArgs` for this run only). */
  async restart(n: E2eNode, extraArgs: readonly string[] = []): Promise<void> {
    await n.agent.start(extraArgs);
  }

  onCleanup(fn: () => Promise<void>): void {
    this.stack.push(fn);
  }

  /** Undoes everything in reverse order; throws with the list of what could not be removed. */
  async cleanup(): Promise<void> {
    await this.stack.run();
    if (this.problems.length > 0) throw new Error(`e2e cleanup incomplete:\n  ${this.problems.join('\n  ')}`);
  }
}


/**
 * What the import e2e files share (docs/import.md, Kubernetes mode): a dataset made by hand on a node, the
 * ZfsVolume an operator writes to import it, waiting for the agent's answer, and reading the pool by hand.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { newVolumeId } from '../../src/csi/ids.js';
import { API_VERSION, NODE_LABEL, PLURAL, type ZfsVolume } from '../../src/store/kube/resources.js';
import { poll } from '../agent/harness.js';
import { E2eCluster, type E2eNode } from './cluster.js';

const ZFS = '/sbin/zfs';

export const zfs = async (...args: string[]): Promise<string> => (await execa(ZFS, args)).stdout;

export async function prop(dataset: string, name: string): Promise<string> {
  return (await zfs('get', '-H', '-p', '-o', 'value', name, dataset)).trim();
}

/** Locally set properties of the dataset and what is below it: inherited ones and space accounting are not local. */
export async function localProps(dataset: string): Promise<string[]> {
  return (await zfs('get', '-H', '-p', '-r', '-s', 'local', '-o', 'name,property,value', 'all', dataset)).split('\n').filter((l) => l !== '').sort();
}

/** zfs-fuse answers "dataset is busy" for a moment after a mount: retried, as the driver does (DESIGN.md §4 rule 5). */
export async function destroyByHand(dataset: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await execa(ZFS, ['destroy', '-r', dataset], { reject: false });
    if (r.exitCode === 0) return;
    if (!r.stderr.includes('busy') || attempt >= 30) throw new Error(`zfs destroy -r ${dataset}: ${r.stderr}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

export interface ImportSpec {
  readonly id?: string;
  readonly parent?: string;
  /** spec.requestedBytes; absent: "0" (keep the dataset's refquota). */
  readonly bytes?: bigint;
  /** spec.csiName; absent: `import-<id>`. */
  readonly csiName?: string;
}

export class ImportRig {
  constructor(
    private readonly k: E2eCluster,
    private readonly node: E2eNode,
  ) {}

  /** A plain dataset made by hand below the node's parent, mounted outside the driver's root, holding `files`. */
  async handMade(name: string, options: string[], files: Readonly<Record<string, string | Buffer>>): Promise<string> {
    const dataset = `${this.node.pool.parent}/${name}`;
    const where = join(this.k.dir, 'legacy', name);
    await mkdir(where, { recursive: true });
    await zfs('create', '-o', `mountpoint=${where}`, ...options, dataset);
    for (const [file, content] of Object.entries(files)) await writeFile(join(where, file), content);
    return dataset;
  }

  /** The ZfsVolume an operator writes (docs/import.md): named by a fresh volume ID, labelled and placed on the node. */
  async importVolume(dataset: string, spec: ImportSpec = {}): Promise<string> {
    const id = spec.id ?? newVolumeId();
    await this.k.api.create(PLURAL.volume, {
      apiVersion: API_VERSION, kind: 'ZfsVolume',
      metadata: { name: id, labels: { [NODE_LABEL]: this.node.name } },
      spec: {
        csiName: spec.csiName ?? `import-${id}`, volumeId: id, nodeName: this.node.name, parentDataset: spec.parent ?? this.node.pool.parent,
        requestedBytes: String(spec.bytes ?? 0n), properties: {}, quotaType: 'refquota', thin: true, importDataset: dataset,
      },
    });
    return id;
  }

  async settled(id: string): Promise<ZfsVolume | undefined> {
    const done = (v: ZfsVolume | undefined): boolean => v?.status?.phase === 'Ready' || v?.status?.phase === 'Failed';
    return poll(() => this.k.volume(id), done, 30_000, `ZfsVolume ${id} Ready or Failed`);
  }

  /** The operator gives up on a refused import: the resource goes (no CSI DeleteVolume), the data is never touched. */
  async giveUp(id: string): Promise<void> {
    await this.k.api.delete(PLURAL.volume, id);
    await poll(() => this.k.volume(id), (x) => x === undefined, 10_000, `ZfsVolume ${id} gone`);
  }
}

/** What each import e2e file starts with: a cluster (options as E2eCluster.start), its node-b, and a rig on it. */
export async function startImportCluster(options?: Parameters<typeof E2eCluster.start>[0]): Promise<{ k: E2eCluster; b: E2eNode; rig: ImportRig }> {
  const k = await E2eCluster.start(options);
  return { k, b: k.b, rig: new ImportRig(k, k.b) };
}

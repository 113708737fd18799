/**
 * Kubernetes mode's VolumeBackend (DESIGN.md §2): reads come from watched caches of the custom resources,
 * writes record intent in them and wait for the node agent's status (docs/kubernetes-mode.md). The
 * controller never runs `zfs`.
 */
import type { Logger } from 'winston';
import type { VolumeBackend } from '../../domain/backend.js';
import type { VolumeState } from '../../domain/health.js';
import type {
  CapacityReport, SnapshotRecord, SnapshotSpec, VolumeRecord, VolumeSpec,
} from '../../domain/types.js';
import type { VolumeChange } from '../../domain/volume-change.js';
import type { KubeApi } from './api.js';
import { modifyVolume } from './modify-ops.js';
import type { ResourceCache } from './cache.js';
import { soleClaim } from './name-claims.js';
import { KubeBackendError, type KubeOpsContext } from './ops-common.js';
import {
  snapshotClaimsName, snapshotVisible, toSnapshotRecord, toVolumeRecord, volumeClaimsName, volumeVisible,
  type ControllerVolume,
} from './records.js';
import type { ZfsNode, ZfsSnapshot, ZfsTransferStatus } from './resources.js';
import * as snapshots from './snapshot-ops.js';
import { copySnapshot } from './transfer-ops.js';
import { kubeVolumeCondition } from './volume-health.js';
import * as volumes from './volume-ops.js';

export interface KubeBackendDeps {
  readonly api: KubeApi;
  readonly volumes: ResourceCache<ControllerVolume>;
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly nodes: ResourceCache<ZfsNode>;
  readonly log: Logger;
  /** The caches hold the whole truth (ControllerCaches.synced); default: each cache's isSynced. */
  readonly synced?: () => boolean;
  /** Nodes whose Kubernetes Node object is gone (NodeLossMonitor.isGone); default: none. */
  readonly nodeGone?: (node: string) => boolean;
  /** How long CreateVolume waits for a restore's copy before it answers ABORTED; default COPY_WAIT_MS. */
  readonly copyWaitMs?: number;
  /** For the age of the agents' heartbeats in volume conditions; default the system clock. */
  readonly clock?: () => Date;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class KubeBackend implements VolumeBackend {
  private readonly ctx: KubeOpsContext;

  constructor(private readonly deps: KubeBackendDeps) {
    this.ctx = {
      api: deps.api, volumes: deps.volumes, snapshots: deps.snapshots, log: deps.log,
      nodeGone: deps.nodeGone ?? (() => false),
    };
  }

  private isSynced(): boolean {
    const caches = this.deps.volumes.isSynced && this.deps.snapshots.isSynced && this.deps.nodes.isSynced;
    return caches && (this.deps.synced?.() ?? true);
  }

  /** Until the caches are filled an empty answer would be a lie (and would let a retry duplicate a volume). */
  private guard(): void {
    if (!this.isSynced()) throw new KubeBackendError('UNAVAILABLE', 'custom resources are still being loaded from the API server');
  }

  async getVolume(id: string): Promise<VolumeRecord | undefined> {
    this.guard();
    const v = this.deps.volumes.get(id);
    return v !== undefined && volumeVisible(v) ? toVolumeRecord(v) : undefined;
  }

  /**
   * The CO's volume of that name. A volume still being made (Pending) is returned too: CreateVolume then
   * waits for it through createVolume(existing), so a retry never makes a second resource. Two resources
   * claiming the name (an import on another node) are ALREADY_EXISTS, never one picked (name-claims.ts).
   */
  async findVolumeByName(name: string): Promise<VolumeRecord | undefined> {
    this.guard();
    const v = soleClaim(name, this.deps.volumes.list().filter((o) => volumeClaimsName(o, name)));
    return v === undefined ? undefined : toVolumeRecord(v);
  }

  async listVolumes(): Promise<readonly VolumeRecord[]> {
    this.guard();
    return this.deps.volumes.list().filter(volumeVisible).map(toVolumeRecord).sort(byId);
  }

  /**
   * From the agents' records (volume-health.ts). No publications: without ControllerPublish the controller
   * has no record of them, and LIST_VOLUMES_PUBLISHED_NODES is not advertised.
   */
  async volumeStates(records: readonly VolumeRecord[], _signal?: AbortSignal): Promise<readonly VolumeState[]> {
    this.guard();
    const now = (this.deps.clock ?? (() => new Date()))();
    return records.map((r) => {
      const volume = this.deps.volumes.get(r.id);
      if (volume === undefined) return { condition: { abnormal: true, message: `ZfsVolume ${r.id} is gone` } };
      const node = this.deps.nodes.get(volume.spec.nodeName);
      return { condition: kubeVolumeCondition({ volume, node, nodeGone: this.ctx.nodeGone(volume.spec.nodeName), now }) };
    });
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    this.guard();
    const s = this.deps.snapshots.get(id);
    return s !== undefined && snapshotVisible(s) ? toSnapshotRecord(s) : undefined;
  }

  /** As findVolumeByName: two ZfsSnapshots claiming the name are ALREADY_EXISTS (name-claims.ts). */
  async findSnapshotByName(name: string): Promise<SnapshotRecord | undefined> {
    this.guard();
    const s = soleClaim(name, this.deps.snapshots.list().filter((o) => snapshotClaimsName(o, name)), 'ZfsSnapshot');
    if (s !== undefined && snapshotVisible(s)) return toSnapshotRecord(s);
    if (s !== undefined) {
      throw new KubeBackendError('ABORTED', `snapshot ${s.metadata.name} for ${JSON.stringify(name)} is still being taken on node ${s.spec.nodeName}`);
    }
    return undefined;
  }

  async listSnapshots(): Promise<readonly SnapshotRecord[]> {
    this.guard();
    return this.deps.snapshots.list().filter(snapshotVisible).map(toSnapshotRecord).sort(byId);
  }

  async createVolume(spec: VolumeSpec, signal: AbortSignal): Promise<VolumeRecord> {
    this.guard();
    return volumes.createVolume(this.ctx, spec, signal);
  }

  async deleteVolume(id: string, signal: AbortSignal): Promise<void> {
    this.guard();
    return volumes.deleteVolume(this.ctx, id, signal);
  }

  async expandVolume(id: string, bytes: bigint, signal: AbortSignal): Promise<VolumeRecord> {
    this.guard();
    return volumes.expandVolume(this.ctx, id, bytes, signal);
  }

  async modifyVolume(id: string, change: VolumeChange, signal: AbortSignal): Promise<VolumeRecord> {
    this.guard();
    return modifyVolume(this.ctx, id, change, signal);
  }

  async createSnapshot(spec: SnapshotSpec, signal: AbortSignal): Promise<SnapshotRecord> {
    this.guard();
    return snapshots.createSnapshot(this.ctx, spec, signal);
  }

  async deleteSnapshot(id: string, signal: AbortSignal): Promise<void> {
    this.guard();
    return snapshots.deleteSnapshot(this.ctx, id, signal);
  }

  /** waitMs: how long to wait for a running copy before ABORTED (replication rounds do not wait). */
  async copySnapshot(snapshotId: string, targetNode: string, targetParent: string, signal: AbortSignal, waitMs = this.deps.copyWaitMs): Promise<ZfsTransferStatus> {
    const snapshot = await this.getSnapshot(snapshotId);
    if (!snapshot) throw new KubeBackendError('NOT_FOUND', `source snapshot ${snapshotId} does not exist`);
    return copySnapshot(this.ctx, { snapshot, targetNode, targetParent }, signal, waitMs);
  }

  /** Nodes that publish a ZfsNode and still exist, sorted (a stable default for chooseNode). */
  private liveNodes(): ZfsNode[] {
    return this.deps.nodes.list()
      .filter((n) => !this.ctx.nodeGone(n.metadata.name))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  /** From each ZfsNode's status.parents, in the agent's order (the first parent is the default). */
  async capacity(node: string | undefined, _signal?: AbortSignal): Promise<readonly CapacityReport[]> {
    this.guard();
    return this.liveNodes()
      .filter((n) => node === undefined || n.metadata.name === node)
      .flatMap((n) => (n.status?.parents ?? []).map((p) => ({
        node: n.metadata.name,
        parent: p.parent,
        availableBytes: BigInt(p.availableBytes),
        retiredBytes: BigInt(p.retiredBytes),
      })));
  }

  async nodes(): Promise<readonly string[]> {
    this.guard();
    return this.liveNodes().map((n) => n.metadata.name);
  }

  async ready(): Promise<boolean> {
    return this.isSynced();
  }
}

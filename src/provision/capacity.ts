import type { CapacityReport } from '../domain/types.js';
import type { Zfs } from '../zfs/zfs.js';
import { P } from './props.js';

/**
 * Capacity of the parents on this node: `available` of each parent and the space retired volumes hold.
 * One `zfs get -d 1` per parent, cached briefly: CreateVolume asks on every call (RESOURCE_EXHAUSTED check)
 * and must stay within 1.25× of a raw `zfs create` (DESIGN.md §7).
 */
export class CapacityCache {
  private cached: { at: number; reports: readonly CapacityReport[] } | undefined;

  constructor(
    private readonly zfs: Zfs,
    private readonly node: string,
    private readonly parents: readonly string[],
    private readonly ttlMs = 2000,
  ) {}

  invalidate(): void {
    this.cached = undefined;
  }

  async get(signal?: AbortSignal): Promise<readonly CapacityReport[]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.reports;
    const reports = await this.read(signal);
    this.cached = { at: now, reports };
    return reports;
  }

  private async read(signal?: AbortSignal): Promise<CapacityReport[]> {
    const infos = await this.zfs.get(this.parents, ['type', 'available', 'used', P.retired], { depth: 1 }, signal);
    return this.parents.map((parent) => {
      const own = infos.find((i) => i.name === parent);
      const retiredBytes = infos
        .filter((i) => i.name.startsWith(`${parent}/`) && i.props.has(P.retired) && i.props.get('type') === 'filesystem')
        .reduce((sum, i) => sum + BigInt(i.props.get('used') ?? '0'), 0n);
      return {
        node: this.node,
        parent,
        availableBytes: BigInt(own?.props.get('available') ?? '0'),
        retiredBytes,
      };
    });
  }
}

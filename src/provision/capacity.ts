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
  /** The read in progress: concurrent callers share it (100 CreateVolumes at once → one `zfs get`). */
  private reading: Promise<readonly CapacityReport[]> | undefined;

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
    // The shared read is not tied to one caller's signal: another caller may still want its answer.
    this.reading ??= this.read().then(
      (reports) => {
        this.cached = { at: now, reports };
        return reports;
      },
    ).finally(() => {
      this.reading = undefined;
    });
    return abortable(this.reading, signal);
  }

  private async read(): Promise<CapacityReport[]> {
    const infos = await this.zfs.get(this.parents, ['type', 'available', 'used', P.retired], { depth: 1 });
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

/** Resolves with p unless signal aborts first (then rejects with its reason). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

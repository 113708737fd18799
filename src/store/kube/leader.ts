/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, so that of
 * several controller replicas only one runs the driver's own loops (issue #7 part 6: two replicas both
 * marked nodes' volumes Lost; only the sidecars elected). Rules kept from client-go:
 * - another holder's lease counts as expired only when this replica has seen the same record for a whole
 *   lease duration on its own clock (clocks of two machines are never compared);
 * - every write carries the resourceVersion it read: a conflict means someone else wrote first;
 * - a leader that cannot renew within the renew deadline stops leading before the lease can expire for the
 *   others (renew deadline < lease duration);
 * - stop() releases the lease (empty holder), so the next replica takes over without waiting.
 */
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'winston';

export interface LeaderElectorOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica: the pod name. */
  readonly identity: string;
  readonly log: Logger;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

const statusOf = (err: unknown): number | undefined => (err instanceof ApiException && typeof err.code === 'number' ? err.code : undefined);

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly durationMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private leading = false;
  private lastRenew = 0;
  /** The last record seen of another holder, and when (local monotonic clock) it was first seen. */
  private observed: { key: string; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: LeaderElectorOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
    this.durationMs = o.leaseDurationMs ?? 15_000;
    this.deadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
    if (this.deadlineMs >= this.durationMs) throw new Error('leader election: the renew deadline must be shorter than the lease duration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    const tick = (): void => {
      this.running = this.attempt().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.retryMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops trying; a leader stops leading and releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (!this.leading) return;
    this.setLeading(false);
    await this.release().catch((err: unknown) => this.o.log.warn('could not release the leader lease', { lease: this.o.name, error: String(err) }));
  }

  private async attempt(): Promise<void> {
    try {
      const ok = await this.acquireOrRenew();
      if (ok) this.lastRenew = performance.now();
      if (ok && !this.leading) this.setLeading(true);
      if (!ok && this.leading) this.setLeading(false);
    } catch (err) {
      this.o.log.warn('leader election: the lease could not be read or written', { lease: this.o.name, error: err instanceof Error ? err.message : String(err) });
      // Not renewed for longer than the deadline: stop before the others may take over.
      if (this.leading && performance.now() - this.lastRenew > this.deadlineMs) this.setLeading(false);
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.o.log.info(leading ? 'leading: the controller loops run here' : 'not leading: the controller loops stopped here', { lease: this.o.name, identity: this.o.identity });
    if (leading) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  /** True when this replica holds the lease after the call. */
  private async acquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.o;
    const now = new V1MicroTime();
    const durationSeconds = Math.ceil(this.durationMs / 1000);
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      try {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } } });
        return true;
      } catch (e) {
        if (statusOf(e) === 409) return false;
        throw e;
      }
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && !this.expired(`${holder}|${String(spec.renewTime?.valueOf())}|${current.metadata?.resourceVersion ?? ''}`)) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const body: V1Lease = {
      ...current,
      spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: holder === identity && spec.acquireTime !== undefined ? new V1MicroTime(spec.acquireTime) : now, renewTime: now, leaseTransitions: transitions },
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body });
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
    if (holder !== identity) this.o.log.info('took over the leader lease', { lease: name, from: holder || '(released)' });
    return true;
  }

  /** Another holder's record, unchanged for a lease duration on this replica's clock. */
  private expired(key: string): boolean {
    const t = performance.now();
    if (this.observed?.key !== key) {
      this.observed = { key, at: t };
      return false;
    }
    return t - this.observed.at > this.durationMs;
  }

  private async release(): Promise<void> {
    const { name, namespace, identity } = this.o;
    const current = await this.api.readNamespacedLease({ name, namespace });
    if (current.spec?.holderIdentity !== identity) return;
    const now = new V1MicroTime();
    await this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, leaseTransitions: current.spec.leaseTransitions ?? 0 } } });
  }
}

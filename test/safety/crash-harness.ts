/**
 * One driver at a time on a fixed parent and directory, crashed in the middle of a call and started again
 * on the same pool, as a node's restart would do.
 */
import assert from 'node:assert/strict';
import { DriverError } from '../../src/domain/errors.js';
import { CsiCallError, type CsiClient } from '../../src/grpc/client.js';
import type { Driver } from '../support/driver.js';
import { crash, driverPid } from './crash-driver.js';
import { sleep } from './fixtures.js';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Codes a retry may see while the driver restarts or the first attempt's lock is still held (CSI: retry). */
const RETRYABLE = new Set(['UNAVAILABLE', 'ABORTED', 'DEADLINE_EXCEEDED']);

/** Repeats the call until it succeeds; any other failure than "try again" fails the test. */
export async function retryUntilOk<T>(call: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof DriverError && RETRYABLE.has(err.code)) || i >= attempts) throw err;
      await sleep(250);
    }
  }
}

export class CrashHarness {
  private constructor(
    private readonly launch: () => Promise<Driver>,
    private current: Driver,
    private pid: number,
  ) {}

  static async start(launch: () => Promise<Driver>): Promise<CrashHarness> {
    const d = await launch();
    return new CrashHarness(launch, d, await driverPid(d));
  }

  get driver(): Driver {
    return this.current;
  }

  /**
   * Fires the call, crashes the driver when `when` says (after so many ms, or once a promise settles, e.g.
   * a poll of the pool), starts a new one on the same pool and directory. The first call either finished
   * before the crash or lost its connection; nothing else is acceptable.
   */
  async crashDuring<T>(call: (c: CsiClient) => Promise<T>, when: number | (() => Promise<void>)): Promise<Outcome<T>> {
    const d = this.current;
    const settled = call(d.client).then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({ ok: false, error }),
    );
    await (typeof when === 'number' ? sleep(when) : Promise.race([when(), settled.then(() => sleep(0))]));
    await crash(d, this.pid);
    const outcome = await settled;
    if (!outcome.ok) {
      const e = outcome.error;
      assert.ok(e instanceof CsiCallError && e.grpcCodeName === 'UNAVAILABLE', `call failed before the crash: ${String(e)}`);
    }
    d.client.close();
    this.current = await this.launch();
    this.pid = await driverPid(this.current);
    return outcome;
  }

  /** Retries an assertion for a while: background work (the start-up sweep) may still be finishing. */
  async eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await check();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(250);
      }
    }
  }

  /** Kills the last driver and removes its mounts and the parent dataset. */
  async close(): Promise<void> {
    await this.current.cleanup();
  }
}

import { createCsiClient, type CsiClient } from '../../src/grpc/client.js';

/**
 * Polls CSI Probe until it answers ready and returns that client. Each attempt dials a fresh channel: a
 * grpc-js channel that met a missing (or stale) socket backs off about a second before it dials again, which
 * measured as start-up time (the benchmark read 1.1 s for a driver ready at 0.6 s, 2026-12-08).
 */
export async function probeUntilReady(
  endpoint: string,
  exited: Promise<unknown>,
  options: { readonly pollMs: number; readonly timeoutMs: number; readonly logs: () => string; readonly name?: string },
): Promise<CsiClient> {
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && !dead) {
    const client = createCsiClient(endpoint);
    try {
      if ((await client.identity.Probe({}, { deadlineMs: 1000 })).ready?.value === true) return client;
    } catch {
      // socket not there yet
    }
    client.close();
    await new Promise((res) => setTimeout(res, options.pollMs));
  }
  throw new Error(`${options.name ?? 'driver'} did not become ready${dead ? ' (process exited)' : ''}:\n${options.logs()}`);
}

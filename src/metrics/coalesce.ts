/**
 * Shares one in-flight run of `fn` among every caller that arrives while it runs. prom-client collects all
 * gauges of a scrape in parallel; three capacity gauges must cost one `zfs get`, not three.
 */
export function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= Promise.resolve().then(fn).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

import type { Logger } from 'winston';
import { startMetricsServer, type MetricsServer } from '../metrics/http.js';
import type { Metrics } from '../metrics/registry.js';
import type { ZfsCliOptions } from '../zfs/cli.js';
import type { Config } from './config.js';

/**
 * The mode's Metrics when `--metrics-address` is set (one per process, its own registry). prom-client is
 * loaded only then: it costs ~12 MiB of RSS, and the idle node budget is 80 MiB (DESIGN.md §7).
 */
export async function createMetrics(config: Config, log: Logger): Promise<Metrics | undefined> {
  if (config.metricsAddress === undefined) return undefined;
  const { Metrics } = await import('../metrics/registry.js');
  return new Metrics({
    onCollectError: (source, err) => log.debug('metrics source failed', { source, error: String(err) }),
  });
}

/** The ZfsCli options of a mode: its binaries and prefix, and the metrics observer when there is one. */
export function zfsOptions(config: Config, metrics: Metrics | undefined): ZfsCliOptions {
  const binaries = { zfs: config.zfsCommand, zpool: config.zpoolCommand };
  return {
    zfsPath: config.zfsCommand,
    zpoolPath: config.zpoolCommand,
    prefix: [...config.zfsPrefix],
    mountLockScope: config.zfsFuseMountLock,
    ...(metrics ? { onCommand: metrics.commandObserver(config.zfsPrefix, binaries) } : {}),
  };
}

/**
 * /metrics, /healthz and /readyz on `--metrics-address` (the chart's probes use /readyz). Started before the
 * CSI socket so a taken port fails start-up cleanly.
 */
export async function serveMetrics(
  config: Config,
  metrics: Metrics | undefined,
  ready: () => Promise<boolean>,
  log: Logger,
): Promise<MetricsServer | undefined> {
  if (metrics === undefined || config.metricsAddress === undefined) return undefined;
  return startMetricsServer({ address: config.metricsAddress, metrics, ready, log });
}

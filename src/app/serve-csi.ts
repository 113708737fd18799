import type { Logger } from 'winston';
import type { KeyedLocks } from '../grpc/locks.js';
import { startServer, type RunningServer, type ServerServices } from '../grpc/server.js';
import type { Metrics, MetricsServer } from '../metrics/index.js';
import type { Config } from './config.js';

/**
 * The CSI socket of every mode: the services, the metrics call observer when metrics are on, and the metrics
 * HTTP server closed again when the socket cannot be served (so a failed start leaves no port behind).
 */
export async function serveCsi(
  config: Config,
  log: Logger,
  services: ServerServices,
  metrics: Metrics | undefined,
  http: MetricsServer | undefined,
  locks?: KeyedLocks,
): Promise<RunningServer> {
  try {
    return await startServer({
      endpoint: config.socketPath,
      log,
      services,
      ...(metrics ? { onCall: metrics.onCall } : {}),
      ...(locks ? { locks } : {}),
    });
  } catch (err) {
    await http?.close();
    throw err;
  }
}

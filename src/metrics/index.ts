/**
 * Layer `metrics/` (issue 4 §3, docs/metrics.md): the driver's Prometheus metrics and its /metrics, /healthz,
 * /readyz HTTP endpoint. It observes the other layers through their hooks (grpc `onCall`, ZfsCli `onCommand`)
 * and reads state through callbacks a mode hands it; it never changes what it observes. Composed in src/app/.
 */
export { parseListenAddress, type ListenAddress } from './address.js';
export { commandSample, subcommandOf, type CommandBinaries, type CommandSample } from './command.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './http.js';
export { backendCapacity } from './backend-sources.js';
export { localCapacity, localInventory, type LocalCapacityDeps, type LocalRecords } from './local-sources.js';
export { METRIC } from './names.js';
export { Metrics, type MetricsOptions } from './registry.js';
export { countBy, driftByKind, type MetricsSources, type PhaseCounts, type PoolCapacity } from './sources.js';

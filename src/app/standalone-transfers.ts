import type { Logger } from 'winston';
import type { Metrics } from '../metrics/registry.js';
import type { MemoryStore } from '../store/memory-store.js';
import { TransferManager, type TransferStatus } from '../transfer/manager.js';
import { TransferServer } from '../transfer/server.js';
import { loadTls } from '../transfer/tls.js';
import type { ZfsCli } from '../zfs/cli.js';
import { ZfsStreams } from '../zfs/stream.js';
import type { Config } from './config.js';
import type { TransferConfig } from './transfer-config.js';

export interface StandaloneTransfers {
  /** What the admin socket's `/v1/transfers` serves (standalone.ts serves that socket). */
  readonly manager: TransferManager;
  stop(): Promise<void>;
}

export interface TransferWiring {
  readonly config: Config;
  readonly transfer: TransferConfig;
  readonly zfs: ZfsCli;
  readonly store: MemoryStore;
  /** Re-reads a received copy's records into the store. */
  readonly absorb: (dataset: string) => Promise<void>;
  readonly metrics: Metrics | undefined;
  readonly log: Logger;
}

/**
 * Standalone transfers (issue #8 part 4): the TLS identity (checked against --node-id at start, so a copied
 * certificate fails loudly), the receiving endpoint when --transfer-listen is set, and the sending manager
 * that `zfs-csi ctl transfer-*` reaches through the admin socket.
 */
export async function startTransfers(w: TransferWiring): Promise<StandaloneTransfers> {
  const { config, transfer, zfs, store, log } = w;
  const tls = await loadTls(transfer.tls, config.nodeId);
  const streams = new ZfsStreams({
    zfsPath: config.zfsCommand, prefix: config.zfsPrefix, parents: config.parents, capabilities: (s) => zfs.capabilities(s),
    mountGate: zfs.processMountGate,
  });
  const stallMs = transfer.stallSeconds * 1000;
  const manager: TransferManager = new TransferManager({
    sender: { zfs, streams, tls, node: config.nodeId, stallMs },
    peers: transfer.peers,
    snapshot: (id) => store.snapshot(id),
    volume: (id) => store.volume(id),
    log,
    ...(w.metrics ? { onChange: await transferObserver(w.metrics, (): TransferStatus[] => manager.list()) } : {}),
  });
  const server = transfer.listen && new TransferServer({
    zfs, streams, node: config.nodeId, parents: config.parents, stallMs, log, tls,
    peers: new Set(transfer.peers.keys()), host: transfer.listen.host, port: transfer.listen.port,
    onReceived: (dataset) => w.absorb(dataset),
  });
  const port = await server?.listen();
  if (server) log.info('transfer endpoint listening', { host: transfer.listen?.host, port, peers: [...transfer.peers.keys()] });
  return {
    manager,
    async stop() {
      manager.stop();
      await server?.close();
    },
  };
}

/** prom-client only when metrics are on (DESIGN.md §7 RSS budget). */
async function transferObserver(metrics: Metrics, list: TransferManager['list']): Promise<(s: TransferStatus) => void> {
  const { TransferMetrics } = await import('../metrics/transfers.js');
  return new TransferMetrics(metrics.registry, list).observe;
}

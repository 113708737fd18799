import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import winston from 'winston';
import type { SnapshotRecord, VolumeRecord } from '../../src/domain/types.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { newTransferId } from '../../src/csi/ids.js';
import { sendTransfer, type Progress, type SendOutcome } from '../../src/transfer/sender.js';
import { TransferServer } from '../../src/transfer/server.js';
import { loadTls, type TlsFiles, type TlsMaterial } from '../../src/transfer/tls.js';
import { ZfsCli } from '../../src/zfs/cli.js';
import { ZfsStreams } from '../../src/zfs/stream.js';
import { destroyScratch } from '../support/pool.js';
import type { TestPki } from '../support/certs.js';

/** One node of the transfer tests, in-process: its own pool's parent, provisioner and transfer server. */
export interface TestNode {
  readonly id: string;
  readonly parent: string;
  readonly mountRoot: string;
  readonly zfs: ZfsCli;
  readonly streams: ZfsStreams;
  readonly provisioner: Provisioner;
  readonly tls: TlsMaterial;
  readonly port: number;
  /** Datasets and snapshots the receiver announced (onReceived). */
  readonly received: string[];
  close(): Promise<void>;
}

const silent = winston.createLogger({ silent: true });

export async function startNode(id: string, pool: string, pki: TestPki, peers: readonly string[], stallMs = 10_000): Promise<TestNode> {
  const parent = `${pool}/xfer-${randomBytes(4).toString('hex')}`;
  await execa('/sbin/zfs', ['create', '-o', 'mountpoint=none', parent]);
  const mountRoot = await mkdtemp(join(tmpdir(), `zfs-csi-${id}-`));
  const zfs = new ZfsCli({ parents: [parent] });
  const streams = new ZfsStreams({ zfsPath: '/sbin/zfs', parents: [parent], capabilities: (s) => zfs.capabilities(s) });
  const provisioner = new Provisioner({ zfs, bindsOf: async () => [], mountRoot });
  const tls = await loadTls(await pki.node(id), id);
  const received: string[] = [];
  const server = new TransferServer({
    zfs, streams, node: id, parents: [parent], stallMs, log: silent, tls, peers: new Set(peers), host: '127.0.0.1', port: 0,
    onReceived: async (dataset, snapshot) => void received.push(dataset, snapshot),
  });
  const port = await server.listen();
  return {
    id, parent, mountRoot, zfs, streams, provisioner, tls, port, received,
    async close() {
      await server.close();
      await destroyScratch(parent, [mountRoot]);
    },
  };
}


export interface SendOptions {
  readonly tls?: TlsFiles;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

/** `from` sends `snapshot` of `volume` to `to` (the driver's sender, over loopback mTLS). */
export async function send(from: TestNode, to: TestNode, volume: VolumeRecord, snapshot: SnapshotRecord, options: SendOptions = {}): Promise<SendOutcome> {
  const tls = options.tls === undefined ? from.tls : await loadTls(options.tls, from.id);
  return sendTransfer(
    { zfs: from.zfs, streams: from.streams, tls, node: from.id, stallMs: 10_000 },
    {
      transfer: newTransferId(), dataset: volume.dataset,
      volume: { id: volume.id, name: volume.name, params: volume.params },
      snapshot: { id: snapshot.id, name: snapshot.name, sizeBytes: snapshot.sizeBytes, createdMs: snapshot.creationTime.getTime() },
      peer: { node: to.id, host: '127.0.0.1', port: to.port },
    },
    options.onProgress ?? (() => undefined),
    options.signal ?? AbortSignal.timeout(120_000),
  );
}

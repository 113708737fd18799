/**
 * A node agent's part in Kubernetes transfers (issue #8, docs/replication.md): the transfer endpoint that
 * receives what ZfsTransfers targeting this node name, and the runner that sends what ZfsTransfers of this
 * node ask for. Both watch ZfsTransfers by label, as the agent watches its volumes.
 */
import type { Logger } from 'winston';
import { describeError } from '../domain/errors.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { KubeApi } from '../store/kube/api.js';
import { ResourceCache } from '../store/kube/cache.js';
import { decodeTransfer } from '../store/kube/decode.js';
import { NODE_LABEL, PLURAL, TARGET_NODE_LABEL, type ZfsSnapshot, type ZfsTransfer } from '../store/kube/resources.js';
import { formatHostPort, type HostPort } from '../transfer/address.js';
import { TransferServer } from '../transfer/server.js';
import type { TlsMaterial } from '../transfer/tls.js';
import type { sendTransfer } from '../transfer/sender.js';
import type { ZfsStreams } from '../zfs/stream.js';
import type { Zfs } from '../zfs/zfs.js';
import { CopyKeeper } from './copy-keeper.js';
import { transferAuthority } from './transfer-authority.js';
import { TransferRunner } from './transfer-runner.js';
import { ResourceWriter } from './writer.js';

export interface AgentTransferOptions {
  readonly tls: TlsMaterial;
  readonly streams: ZfsStreams;
  /** Where the endpoint binds. */
  readonly listen: HostPort;
  /** host:port published in the ZfsNode for senders to dial; default the listen host and bound port. */
  readonly advertise?: string;
  readonly stallMs: number;
  /** Progress patches while a stream runs; default 1 s. */
  readonly progressMs?: number;
  readonly send?: typeof sendTransfer;
  /** A transfer this node sent ended (the transfer metrics). */
  readonly onFinished?: (t: ZfsTransfer) => void;
  /**
   * Signer certificates (transfer-certificate.ts): `tls` is usable only once this resolves, so the endpoint
   * listens from then on, in the background; volumes never wait for it.
   */
  readonly certificate?: { ready(): Promise<void>; stop(): Promise<void> };
}

export interface AgentTransferDeps {
  readonly api: KubeApi;
  readonly zfs: Zfs;
  readonly provisioner: Provisioner;
  readonly node: string;
  readonly parents: readonly string[];
  readonly snapshots: ResourceCache<ZfsSnapshot>;
  readonly log: Logger;
  /** The agent's backoff; default 1 s, capped at 30 s by default. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** A copy arrived: capacity changed, drift should be looked at again. */
  readonly onReceived: () => void;
  /** The agent's sweep of retired data (a destroyed copy leaves its dataset empty). */
  readonly sweep: (parent: string, signal: AbortSignal) => Promise<void>;
  /** The endpoint listens now (later than start() with signer certificates): publish the ZfsNode. */
  readonly onListening?: () => void;
}

/** How long a received copy counts as a copy while its transfer's Succeeded status is on its way. */
const ARRIVAL_GRACE_MS = 60_000;

export class AgentTransfers {
  readonly outgoing: ResourceCache<ZfsTransfer>;
  readonly incoming: ResourceCache<ZfsTransfer>;
  readonly #makeServer: () => TransferServer;
  #server: TransferServer | undefined;
  readonly #runner: TransferRunner;
  readonly #keeper: CopyKeeper;
  /**
   * Copies just received here (copy → until when, ms), counted as copies before their transfer reads
   * Succeeded: the drift scan a receipt starts otherwise races the sender's status write (~30 ms either
   * way) and reports the copy as drift. A ZfsTransfer named the copy (the receiver authorised it); one
   * that never reaches Succeeded lets its copy count as drift again after ARRIVAL_GRACE_MS.
   */
  readonly #arrived = new Map<string, number>();
  #port: number | undefined;
  #starting: Promise<void> | undefined;

  constructor(private readonly o: AgentTransferOptions, private readonly deps: AgentTransferDeps) {
    const onError = (err: unknown): void => {
      deps.log.warn('watch of transfers failed; restarting', { error: describeError(err).message });
    };
    this.outgoing = new ResourceCache(deps.api, PLURAL.transfer, decodeTransfer, `${NODE_LABEL}=${deps.node}`, onError);
    this.incoming = new ResourceCache(deps.api, PLURAL.transfer, decodeTransfer, `${TARGET_NODE_LABEL}=${deps.node}`, onError);
    const incomingWriter = new ResourceWriter(deps.api, PLURAL.transfer, this.incoming);
    this.#keeper = new CopyKeeper({
      node: deps.node, parents: deps.parents, incoming: this.incoming, writer: incomingWriter, provisioner: deps.provisioner,
      sweep: deps.sweep, log: deps.log, retryMs: deps.retryMaxMs ?? 30_000,
    });
    // Made when it listens: signer certificates exist only from then on.
    this.#makeServer = () => new TransferServer({
      zfs: deps.zfs, streams: o.streams, node: deps.node, parents: deps.parents, stallMs: o.stallMs, log: deps.log, tls: o.tls,
      host: o.listen.host, port: o.listen.port,
      authorize: transferAuthority({ api: deps.api, node: deps.node, incoming: this.incoming, writer: incomingWriter }),
      onReceived: async (_dataset, snapshot) => {
        this.#arrived.set(snapshot, Date.now() + ARRIVAL_GRACE_MS);
        deps.onReceived();
      },
    });
    // Once Succeeded, the transfer itself accounts for the copy (and deleting it by hand makes it drift).
    this.incoming.subscribe((_name, t) => {
      if (t?.status?.phase === 'Succeeded' && t.status.targetSnapshot !== undefined) this.#arrived.delete(t.status.targetSnapshot);
    });
    this.#runner = new TransferRunner({
      api: deps.api, node: deps.node, outgoing: this.outgoing, snapshots: deps.snapshots, provisioner: deps.provisioner,
      writer: new ResourceWriter(deps.api, PLURAL.transfer, this.outgoing), log: deps.log,
      sender: { zfs: deps.zfs, streams: o.streams, tls: o.tls, node: deps.node, stallMs: o.stallMs },
      retryBaseMs: deps.retryBaseMs ?? 1000, retryMaxMs: deps.retryMaxMs ?? 30_000,
      ...(o.progressMs === undefined ? {} : { progressMs: o.progressMs }),
      ...(o.send === undefined ? {} : { send: o.send }),
      ...(o.onFinished === undefined ? {} : { onFinished: o.onFinished }),
    });
  }

  /** What the ZfsNode advertises; undefined until the endpoint listens. */
  get endpoint(): string | undefined {
    if (this.#port === undefined) return undefined;
    return this.o.advertise ?? formatHostPort({ host: this.o.listen.host, port: this.#port });
  }

  /** The bound port (tests listen on port 0). */
  get port(): number | undefined {
    return this.#port;
  }

  /** Receives at once (a target needs no adoption); sends once the caches are synced. */
  async start(): Promise<void> {
    if (this.#port !== undefined || this.#starting !== undefined) return;
    for (const cache of [this.incoming, this.outgoing]) if (!cache.isSynced) await cache.start();
    const certificate = this.o.certificate;
    if (certificate === undefined) return this.#listen();
    this.#starting = certificate.ready().then(() => this.#listen()).then(
      () => this.deps.onListening?.(),
      (err: unknown) => { this.deps.log.warn('transfer endpoint not started', { error: describeError(err).message }); },
    );
  }

  async #listen(): Promise<void> {
    this.#server ??= this.#makeServer();
    this.#port = await this.#server.listen();
    this.deps.log.info('transfer endpoint listening', { host: this.o.listen.host, port: this.#port, advertised: this.endpoint });
    this.#runner.start();
    this.#keeper.start();
  }

  async stop(): Promise<void> {
    await this.o.certificate?.stop();
    await this.#starting;
    this.#keeper.stop();
    await this.#runner.stop();
    await this.#server?.close();
    await Promise.all([this.incoming.stop(), this.outgoing.stop()]);
  }

  /** Copies this node holds for Succeeded (or just received) transfers: snapshot ID → `parent/volume@snapshot`. */
  receivedCopies(): ReadonlyMap<string, string> {
    const copies = copiesIn(this.incoming.list(), this.deps.node);
    const now = Date.now();
    for (const [copy, until] of this.#arrived) {
      const id = copy.slice(copy.indexOf('@') + 1);
      if (until < now) this.#arrived.delete(copy);
      else copies.set(id, copy);
    }
    return copies;
  }

  /**
   * One snapshot's copy. The restore that needs it is written right after the sender marks the transfer
   * Succeeded, so this node's watch may not have seen that yet: a miss is listed again before it counts.
   */
  async copyOf(snapshotId: string): Promise<string | undefined> {
    const cached = this.receivedCopies().get(snapshotId);
    if (cached !== undefined) return cached;
    const list = await this.deps.api.list(PLURAL.transfer, `${TARGET_NODE_LABEL}=${this.deps.node}`);
    return copiesIn(list.items.flatMap((raw) => decodeTransfer(raw) ?? []), this.deps.node).get(snapshotId);
  }
}

function copiesIn(transfers: readonly ZfsTransfer[], node: string): Map<string, string> {
  const copies = new Map<string, string>();
  for (const t of transfers) {
    if (t.spec.targetNode === node && t.status?.phase === 'Succeeded' && t.status.targetSnapshot) copies.set(t.spec.snapshotId, t.status.targetSnapshot);
  }
  return copies;
}

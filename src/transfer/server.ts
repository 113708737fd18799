import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Channel } from './channel.js';
import { receiveTransfer, type ReceiverDeps } from './receiver.js';
import { peerIdentity, serverOptions, type TlsMaterial } from './tls.js';
import { encodeMessage } from './wire.js';

export interface TransferServerOptions extends ReceiverDeps {
  readonly tls: TlsMaterial;
  /**
   * Node IDs allowed to send to this node (standalone: the --peer list). Kubernetes mode has no list: every
   * node with a certificate of the transfer CA may connect, and `authorize` lets in only what a ZfsTransfer names.
   */
  readonly peers?: ReadonlySet<string>;
  readonly host: string;
  readonly port: number;
}

/**
 * The node's transfer endpoint (issue #8): mutual TLS 1.3, the client's certificate must chain to the
 * transfer CA and name a configured peer. Each connection is one transfer (receiver.ts).
 */
export class TransferServer {
  readonly #server: Server;
  readonly #busy = new Set<string>();
  readonly #open = new Set<TLSSocket>();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(private readonly options: TransferServerOptions) {
    if (options.peers === undefined && options.authorize === undefined) throw new Error('a transfer server needs a peer list or an authorize hook');
    this.#server = createServer({ ...serverOptions(options.tls), allowHalfOpen: false }, (socket) => this.#accept(socket));
    // A peer with a wrong certificate fails the handshake; the server itself goes on.
    this.#server.on('tlsClientError', (err) => options.log.warn('transfer connection refused in the TLS handshake', { error: err.message }));
    // A renewed certificate serves new connections at once; open ones keep the one they shook hands with.
    this.#unsubscribe = options.tls.subscribe?.(() => this.#server.setSecureContext(serverOptions(options.tls)));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.options.port, this.options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    for (const socket of this.#open) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: TLSSocket): void {
    this.#open.add(socket);
    socket.on('close', () => this.#open.delete(socket));
    socket.on('error', () => undefined); // the channel reports it to whoever is waiting
    const channel = new Channel(socket);
    const peer = peerIdentity(socket);
    if (peer === undefined || (this.options.peers !== undefined && !this.options.peers.has(peer))) {
      const message = `node ${JSON.stringify(peer ?? '')} is not a configured peer of ${this.options.node}`;
      this.options.log.warn('transfer refused', { peer, reason: message });
      void channel.writeMessage(encodeMessage({ type: 'refused', code: 'FAILED_PRECONDITION', message })).finally(() => channel.close());
      return;
    }
    void receiveTransfer(channel, peer, this.options, this.#busy);
  }
}

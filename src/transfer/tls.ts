import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions, PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import { TransferError } from './errors.js';

/**
 * Mutual TLS between node agents (issue #8): one certificate per node, signed by the transfer CA, whose
 * subject CN is the node ID. Both ends check the other's CN against the node a transfer names, so a node
 * holding any valid certificate still cannot pose as another node.
 */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** The CN of this node's own certificate. */
  readonly identity: string;
  /**
   * Material that is renewed (signer certificates) tells its users here; the fields then read the newest.
   * Fixed files never change and have no subscribe.
   */
  readonly subscribe?: (onChange: () => void) => () => void;
}

/** Reads the files and checks that the certificate names this node (a copied certificate is a misconfiguration). */
export async function loadTls(files: TlsFiles, nodeId: string): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([readFile(files.cert), readFile(files.key), readFile(files.ca)]);
  const identity = commonName(new X509Certificate(cert).subject);
  if (identity !== nodeId) {
    throw new TransferError('FAILED_PRECONDITION', `transfer certificate ${files.cert} is for ${JSON.stringify(identity ?? '')}, not this node ${JSON.stringify(nodeId)}`);
  }
  return { cert, key, ca, identity };
}

/** The CN of an X509Certificate subject ("C=..\nCN=node-a"). */
function commonName(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

const peerCn = (cert: PeerCertificate | undefined): string | undefined => {
  const cn: unknown = cert?.subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
};

export function serverOptions(m: TlsMaterial): TlsOptions {
  return { cert: m.cert, key: m.key, ca: m.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' };
}

/** Client options that accept the server only when its certificate names `peer` (not a host name). */
export function clientOptions(m: TlsMaterial, peer: string): ConnectionOptions {
  return {
    cert: m.cert, key: m.key, ca: m.ca, minVersion: 'TLSv1.3', rejectUnauthorized: true,
    checkServerIdentity: (_host, cert) => (peerCn(cert) === peer ? undefined : new Error(`the peer's certificate is for ${JSON.stringify(peerCn(cert) ?? '')}, not ${JSON.stringify(peer)}`)),
  };
}

/** The authenticated node ID at the other end of a server-side socket, or undefined. */
export function peerIdentity(socket: TLSSocket): string | undefined {
  return socket.authorized ? peerCn(socket.getPeerCertificate()) : undefined;
}

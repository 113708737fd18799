/**
 * X.509 work the transfer signer needs and node:crypto cannot do (it parses certificates but issues none,
 * and makes no PKCS#10 requests): keys, CSRs (RFC 2986), a CA and the certificates it signs. Built on
 * @peculiar/x509 over node's WebCrypto; nothing shells out (the image has no openssl).
 */
// @peculiar/x509's DI layer (tsyringe) needs the Reflect metadata API before the library loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256 with SHA-256: the key every node makes and the CA signs with. */
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** PKCS#8 PEM of the private key, for node:tls and the node-local key file. */
  readonly pem: string;
}

async function pairOf(keys: CryptoKeyPair): Promise<KeyPair> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { ...keys, pem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

export async function generateKey(): Promise<KeyPair> {
  return pairOf(await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair);
}

/** A P-256 private key from PEM (PKCS#8 or SEC1), with its public half. */
export async function importKey(pem: string): Promise<KeyPair> {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the key is not EC P-256');
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, EC, true, ['verify']);
  return { privateKey, publicKey, pem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** A PKCS#10 request whose subject is only CN=<commonName>; no SANs (peers are checked by CN, tls.ts). */
export async function makeCsr(commonName: string, key: KeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [commonName] }], keys: key, signingAlgorithm: EC });
  return csr.toString('pem');
}

/** What a signer needs to judge a request; the self-signature is checked here. */
export interface CsrFacts {
  readonly signatureValid: boolean;
  /** Every subject attribute as "TYPE=value" (one CN is what the signer allows). */
  readonly subject: readonly string[];
  readonly commonName: string | undefined;
  /** OIDs of requested extensions (SANs and the like). */
  readonly extensions: readonly string[];
  /** "ec-P-256", "rsa-2048", ... */
  readonly key: string;
  readonly request: x509.Pkcs10CertificateRequest;
}

export async function parseCsr(pem: string): Promise<CsrFacts> {
  const request = new x509.Pkcs10CertificateRequest(pem);
  const subject = request.subjectName.toJSON().flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v) => `${type}=${v}`)));
  const cns = request.subjectName.getField('CN');
  const alg = request.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  const key = alg.name === 'ECDSA' ? `ec-${alg.namedCurve ?? '?'}` : alg.name.startsWith('RSA') ? `rsa-${alg.modulusLength ?? 0}` : alg.name;
  return {
    signatureValid: await request.verify(), subject, commonName: cns.length === 1 ? cns[0] : undefined,
    extensions: request.extensions.map((e) => e.type), key, request,
  };
}

export interface CertificateAuthority {
  readonly certPem: string;
  readonly key: KeyPair;
  readonly cert: x509.X509Certificate;
}

const serial = (): string => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
  return bytes.toString('hex');
};

/** A self-signed CA that may sign only end-entity certificates (pathLen 0). */
export async function makeCa(name: string, validDays: number, now = new Date()): Promise<CertificateAuthority> {
  const key = await generateKey();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: [{ CN: [name] }], notBefore: now, notAfter: new Date(now.getTime() + validDays * 86_400_000),
    keys: key, signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), key, cert };
}

export async function loadCa(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  return { certPem, key: await importKey(keyPem), cert: new x509.X509Certificate(certPem) };
}

/**
 * A client-and-server certificate for the request's subject and key, valid from a minute ago (clock skew)
 * for `seconds`, never past the CA's own expiry.
 */
export async function issue(ca: CertificateAuthority, csr: CsrFacts, seconds: number, now = new Date()): Promise<string> {
  const notAfter = new Date(Math.min(now.getTime() + seconds * 1000, ca.cert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: csr.request.subjectName, issuer: ca.cert.subjectName,
    notBefore: new Date(now.getTime() - 60_000), notAfter, publicKey: csr.request.publicKey, signingKey: ca.key.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    ],
  });
  return cert.toString('pem');
}

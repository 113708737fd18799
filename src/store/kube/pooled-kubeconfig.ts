/**
 * A KubeConfig whose API requests share keep-alive connections.
 *
 * @kubernetes/client-node 1.4 builds a new https.Agent for every request it sends
 * (KubeConfig.applySecurityAuthentication → createAgent; kubernetes-client/javascript#2893), so every
 * request opened its own TCP connection and, against a real API server, paid a full TLS handshake on both
 * sides: the benchmark's Kubernetes section saw 234 connections for ~190 requests. Here the agent the library
 * made only donates its TLS options; requests go through one keep-alive agent built from them. The bearer
 * token stays a per-request header, so token rotation is unchanged.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/**
 * Idle pooled connections close after 4 s, before the server side gives up on them (a Node HTTP server
 * after 5 s), so a request is not sent on a socket the server is closing.
 */
const IDLE_SOCKET_MS = 4_000;
/** A replaced agent (its TLS material changed) is destroyed this long after, when its requests are done. */
const RETIRE_AFTER_MS = 60_000;

type TlsOptions = https.AgentOptions;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'crl', 'ciphers'] as const;

/** What identifies the connection's TLS material; the agent is rebuilt when it changes (a rotated certificate). */
export function tlsFingerprint(tls: boolean, options: TlsOptions): string {
  const hash = createHash('sha256').update(tls ? 'https' : 'http');
  if (!tls) return hash.digest('hex');
  for (const k of TLS_KEYS) hash.update(`\0${k}=${describe(options[k])}`);
  return hash.digest('hex');
}

function describe(value: unknown): string {
  if (value === undefined) return '-';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(describe).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export class PooledKubeConfig extends KubeConfig {
  #pooled: { readonly key: string; readonly agent: http.Agent } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getAgent();
    const pooled = made === undefined ? undefined : this.#pool(made);
    if (pooled !== undefined) context.setAgent(pooled);
  }

  /** The shared agent for what `made` would have connected with; undefined keeps `made` (a proxy agent). */
  #pool(made: http.Agent): http.Agent | undefined {
    const tls = made.constructor === https.Agent;
    if (!tls && made.constructor !== http.Agent) return undefined;
    const options: TlsOptions = tls ? (made as https.Agent).options : {};
    const key = tlsFingerprint(tls, options);
    if (this.#pooled?.key === key) return this.#pooled.agent;
    const retired = this.#pooled?.agent;
    if (retired !== undefined) setTimeout(() => retired.destroy(), RETIRE_AFTER_MS).unref();
    const shared = { keepAlive: true, timeout: IDLE_SOCKET_MS };
    const agent = tls ? new https.Agent({ ...options, ...shared }) : new http.Agent(shared);
    this.#pooled = { key, agent };
    return agent;
  }
}

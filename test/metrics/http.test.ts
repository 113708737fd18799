import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/app/logger.js';
import { DriverError } from '../../src/domain/errors.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/http.js';
import { METRIC } from '../../src/metrics/names.js';
import { Metrics } from '../../src/metrics/registry.js';
import { value } from './exposition.js';

const log = createLogger('error', { stream: new Writable({ write: (_c, _e, done) => done() }) });

interface Reply {
  readonly status: number;
  readonly type: string | undefined;
  readonly body: string;
}

function get(url: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let ready: () => Promise<boolean> = async () => true;
const metrics = new Metrics({ defaultMetrics: false });
const servers: MetricsServer[] = [];
const start = async (address = '127.0.0.1:0', readyTimeoutMs = 200) => {
  const s = await startMetricsServer({ address, metrics, ready: () => ready(), log, readyTimeoutMs });
  servers.push(s);
  return s;
};
after(async () => {
  for (const s of servers) await s.close();
});

test('/metrics serves the Prometheus text format of the registry', async () => {
  const s = await start();
  metrics.onCall({ service: 'Controller', method: 'CreateVolume', code: 'OK', durationMs: 12 });
  const r = await get(`${s.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(value(r.body, `${METRIC.grpcDuration}_count`, { method: 'CreateVolume', code: 'OK' }), 1);
  // A query string (some scrapers add one) does not change the path.
  assert.equal((await get(`${s.url}/metrics?x=1`)).status, 200);
});

test('/healthz is 200 even when not ready; /readyz follows the readiness callback', async () => {
  const s = await start();
  ready = async () => true;
  assert.deepEqual([(await get(`${s.url}/healthz`)).status, (await get(`${s.url}/readyz`)).status], [200, 200]);
  ready = async () => false;
  assert.deepEqual([(await get(`${s.url}/healthz`)).status, (await get(`${s.url}/readyz`)).status], [200, 503]);
  ready = async () => {
    throw new DriverError('UNAVAILABLE', 'pool gone');
  };
  assert.equal((await get(`${s.url}/readyz`)).status, 503);
  ready = () => new Promise<boolean>(() => undefined); // never answers
  const started = Date.now();
  assert.equal((await get(`${s.url}/readyz`)).status, 503);
  assert.ok(Date.now() - started < 2000, 'a hanging readiness check is cut off');
  ready = async () => true;
});

test('unknown paths are 404, other methods 405, HEAD has no body', async () => {
  const s = await start();
  for (const path of ['/', '/metricsx', '/readyz/', '/debug']) assert.equal((await get(`${s.url}${path}`)).status, 404, path);
  const post = await get(`${s.url}/metrics`, 'POST');
  assert.equal(post.status, 405);
  const head = await get(`${s.url}/healthz`, 'HEAD');
  assert.deepEqual([head.status, head.body], [200, '']);
});

test('a bad or taken address fails start-up with a driver error', async () => {
  await assert.rejects(start('nonsense'), (err: unknown) => err instanceof DriverError && err.code === 'INVALID_ARGUMENT');
  const s = await start();
  await assert.rejects(start(`127.0.0.1:${s.port}`), (err: unknown) => err instanceof DriverError && err.code === 'UNAVAILABLE');
});

test('close() stops listening, also with an idle keep-alive connection open, and is idempotent', async () => {
  const s = await startMetricsServer({ address: '127.0.0.1:0', metrics, ready: async () => true, log });
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    request(`${s.url}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });
  assert.equal(status, 200);
  const started = Date.now();
  await Promise.all([s.close(), s.close()]);
  assert.ok(Date.now() - started < 1500, 'an idle scraper connection does not hold the close');
  await assert.rejects(get(`${s.url}/healthz`), /ECONNREFUSED/);
  agent.destroy();
});

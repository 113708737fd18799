/**
 * Pins the fake API server's test controls: injected failures (Status errors, delays, dropped
 * connections) for the next N matching requests, and the request log, so retry paths can be tested.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Watch } from '@kubernetes/client-node';
import { apiStatusOf } from './fake-apiserver/client-helpers.js';
import { startFixture, volume, VOLUMES, VOLUMES_PATH, type Fixture } from './fake-apiserver/fixture.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture();
  await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume('f-1') });
});
after(async () => {
  await fx.close();
});

const getF1 = () => fx.api.getClusterCustomObject({ ...VOLUMES, name: 'f-1' }).then(() => 'ok', (e: unknown) => e);

describe('fault injection', () => {
  it('fails exactly the next N matching requests with the given Status, then serves normally', async () => {
    const fault = fx.server.inject({ method: 'GET', path: `${VOLUMES_PATH}/f-1`, times: 2, code: 500 });
    const first = await getF1();
    assert.deepEqual(apiStatusOf(first), { code: 500, reason: 'InternalError', message: 'injected failure (500)' });
    assert.equal(fault.remaining, 1);
    assert.equal(apiStatusOf(await getF1())?.code, 500);
    assert.equal(await getF1(), 'ok');
    assert.equal(fx.server.faults.pending, 0);
  });

  it('matches by method and RegExp path, so other requests are untouched', async () => {
    fx.server.inject({ method: 'PUT', path: /\/zfsvolumes\//, code: 409, reason: 'Conflict', message: 'try again' });
    assert.equal(await getF1(), 'ok', 'GET is not a PUT');
    const current = await fx.api.getClusterCustomObject({ ...VOLUMES, name: 'f-1' }) as object;
    const err = await fx.api.replaceClusterCustomObject({ ...VOLUMES, name: 'f-1', body: current }).then(() => undefined, (e: unknown) => e);
    assert.deepEqual(apiStatusOf(err), { code: 409, reason: 'Conflict', message: 'try again' });
  });

  it('delays a request without failing it (passThrough)', async () => {
    fx.server.inject({ path: `${VOLUMES_PATH}/f-1`, delayMs: 150, passThrough: true });
    const started = Date.now();
    assert.equal(await getF1(), 'ok');
    assert.ok(Date.now() - started >= 140);
  });

  it('drops the connection (a network error, not an HTTP answer)', async () => {
    fx.server.inject({ path: `${VOLUMES_PATH}/f-1`, reset: true });
    const err = await getF1();
    assert.ok(err instanceof Error);
    assert.equal(apiStatusOf(err), undefined);
    assert.equal(await getF1(), 'ok');
  });

  it('can fail watch requests only', async () => {
    fx.server.inject({ path: VOLUMES_PATH, watch: true, code: 503 });
    const list = await fx.api.listClusterCustomObject(VOLUMES).then(() => 'ok', (e: unknown) => e);
    assert.equal(list, 'ok');
    const ended = await new Promise<unknown>((resolve) => {
      void new Watch(fx.kc).watch(VOLUMES_PATH, {}, () => undefined, resolve);
    });
    assert.equal((ended as { statusCode?: unknown }).statusCode, 503);
  });
});

describe('request log', () => {
  it('records method, path, watch flag and answered status, including injected ones', async () => {
    fx.server.requests.clear();
    fx.server.inject({ path: `${VOLUMES_PATH}/f-1`, code: 500 });
    await getF1();
    await getF1();
    await fx.api.getClusterCustomObject({ ...VOLUMES, name: 'absent' }).catch(() => undefined);
    const records = fx.server.requests.all;
    assert.deepEqual(records.map((r) => [r.method, r.path, r.status, r.injected]), [
      ['GET', `${VOLUMES_PATH}/f-1`, 500, true],
      ['GET', `${VOLUMES_PATH}/f-1`, 200, false],
      ['GET', `${VOLUMES_PATH}/absent`, 404, false],
    ]);
    assert.equal(fx.server.requests.count({ path: /\/f-1$/ }), 2);
    assert.equal(fx.server.requests.count({ status: 404 }), 1);
  });
});

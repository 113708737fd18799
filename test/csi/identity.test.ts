import { test } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import { DriverError } from '../../src/domain/errors.js';
import type { CallContext } from '../../src/grpc/handler.js';
import { checkDriverName, identityService, type IdentityDeps } from '../../src/csi/identity.js';

const ctx = (): CallContext => ({
  signal: new AbortController().signal,
  log: winston.createLogger({ silent: true }),
  requestId: 'test',
  deadline: undefined,
});

function service(over: Partial<IdentityDeps> = {}) {
  return identityService({
    driverName: 'zfs.csi.dev',
    version: '0.1.0',
    controller: true,
    ready: async () => true,
    ...over,
  });
}

test('GetPluginInfo: driver name and vendor version', async () => {
  const res = await service().GetPluginInfo.handle({}, ctx());
  assert.equal(res.name, 'zfs.csi.dev');
  assert.equal(res.vendor_version, '0.1.0');
});

test('GetPluginCapabilities: controller, topology and online expansion when the controller is served', async () => {
  const res = await service().GetPluginCapabilities.handle({}, ctx());
  assert.deepEqual(res.capabilities, [
    { service: { type: 'CONTROLLER_SERVICE' } },
    { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } },
    { volume_expansion: { type: 'ONLINE' } },
  ]);
});

test('GetPluginCapabilities: a node-only plugin does not claim CONTROLLER_SERVICE', async () => {
  const res = await service({ controller: false }).GetPluginCapabilities.handle({}, ctx());
  const services = (res.capabilities ?? []).map((c) => c.service?.type).filter((t) => t !== undefined);
  assert.deepEqual(services, ['VOLUME_ACCESSIBILITY_CONSTRAINTS']);
  assert.ok((res.capabilities ?? []).some((c) => c.volume_expansion?.type === 'ONLINE'));
});

test('Probe: ready follows the callback on every call and logs at debug', async () => {
  let ready = false;
  const svc = service({ ready: async () => ready });
  assert.deepEqual(await svc.Probe.handle({}, ctx()), { ready: { value: false } });
  ready = true;
  assert.deepEqual(await svc.Probe.handle({}, ctx()), { ready: { value: true } });
  assert.equal(svc.Probe.logLevel, 'debug');
});

test('Probe: an unhealthy plugin (throwing callback) is FAILED_PRECONDITION with the cause', async () => {
  const cause = new DriverError('UNAVAILABLE', 'pool zfscsi is not imported');
  const svc = service({ ready: async () => Promise.reject(cause) });
  await assert.rejects(svc.Probe.handle({}, ctx()), (err: unknown) => {
    assert.ok(err instanceof DriverError);
    assert.equal(err.code, 'FAILED_PRECONDITION');
    assert.match(err.message, /pool zfscsi is not imported/);
    assert.equal(err.cause, cause);
    return true;
  });
});

test('driver names follow the CSI rule: domain notation, at most 63 characters', () => {
  for (const ok of ['zfs.csi.dev', 'a', 'my-zfs.example.com', 'x'.repeat(63)]) {
    assert.equal(checkDriverName(ok), ok);
  }
  for (const bad of ['', '-zfs.csi.dev', 'zfs.csi.dev.', 'zfs csi', 'zfs/csi', 'x'.repeat(64)]) {
    assert.throws(() => checkDriverName(bad), DriverError, bad);
  }
  assert.throws(() => service({ driverName: 'bad name' }), DriverError);
  assert.throws(() => service({ version: '' }), DriverError);
});

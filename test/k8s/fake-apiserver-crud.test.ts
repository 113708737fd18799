/**
 * Pins the fake API server's REST semantics for custom resources, through the real
 * @kubernetes/client-node 1.x: create/get/replace/patch/delete, optimistic concurrency, generation rules,
 * the status subresource and finalizers (DESIGN.md §6: the driver's Kubernetes mode relies on all of them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiStatusOf, mergePatchClusterObject, mergePatchClusterObjectStatus, mergePatchOptions } from './fake-apiserver/client-helpers.js';
import { asObject, field, startFixture, volume, VOLUMES, type Fixture } from './fake-apiserver/fixture.js';
import { fakeKubeConfig } from './fake-apiserver/kubeconfig.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture();
});
after(async () => {
  await fx.close();
});

const ref = (name: string) => ({ ...VOLUMES, name });
const create = async (name: string, spec: Record<string, string | number> = { size: 1 }) =>
  asObject(await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume(name, spec) }));
const get = async (name: string) => asObject(await fx.api.getClusterCustomObject(ref(name)));

/** The Status a rejected call carries (fails the test if the call succeeded or was not an HTTP error). */
async function rejection(call: Promise<unknown>) {
  const err: unknown = await call.then(() => undefined, (e: unknown) => e);
  const status = apiStatusOf(err);
  assert.ok(status !== undefined, `expected an API error, got ${String(err)}`);
  return status;
}

describe('create and get', () => {
  it('stamps system metadata, drops status and starts generation at 1', async () => {
    const body = { ...volume('create-a', { size: 5 }), status: { phase: 'Ready' } };
    const created = asObject(await fx.api.createClusterCustomObject({ ...VOLUMES, body }));
    assert.match(String(field(created, 'metadata.uid')), /^[0-9a-f-]{36}$/);
    assert.match(String(field(created, 'metadata.creationTimestamp')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(field(created, 'metadata.resourceVersion')), /^\d+$/);
    assert.equal(field(created, 'metadata.generation'), 1);
    assert.equal(created['status'], undefined, 'create cannot set status when the status subresource is on');
    assert.deepEqual(await get('create-a'), created);
  });

  it('answers 409 AlreadyExists with a Kubernetes Status for a duplicate name', async () => {
    await create('dup');
    const status = await rejection(fx.api.createClusterCustomObject({ ...VOLUMES, body: volume('dup') }));
    assert.deepEqual(status, { code: 409, reason: 'AlreadyExists', message: 'zfsvolumes.zfs.csi.dev "dup" already exists' });
  });

  it('fills the name from metadata.generateName', async () => {
    const body = { ...volume(''), metadata: { generateName: 'pvc-' } };
    const created = asObject(await fx.api.createClusterCustomObject({ ...VOLUMES, body }));
    assert.match(String(field(created, 'metadata.name')), /^pvc-[a-z0-9]{5}$/);
  });

  it('rejects names that are not DNS subdomains and invalid label values with 422', async () => {
    assert.equal((await rejection(fx.api.createClusterCustomObject({ ...VOLUMES, body: volume('Bad_Name') }))).code, 422);
    const badLabel = volume('label-x', {}, { 'zfs.csi.dev/csi-name': 'has spaces' });
    assert.equal((await rejection(fx.api.createClusterCustomObject({ ...VOLUMES, body: badLabel }))).reason, 'Invalid');
  });

  it('answers 404 NotFound for a missing object, with the full Status body', async () => {
    const err: unknown = await fx.api.getClusterCustomObject(ref('missing')).then(() => undefined, (e: unknown) => e);
    assert.deepEqual(apiStatusOf(err), { code: 404, reason: 'NotFound', message: 'zfsvolumes.zfs.csi.dev "missing" not found' });
    const body = JSON.parse(String((err as { body: unknown }).body)) as unknown;
    assert.equal(field(body, 'kind'), 'Status');
    assert.equal(field(body, 'apiVersion'), 'v1');
    assert.equal(field(body, 'status'), 'Failure');
    assert.deepEqual(field(body, 'details'), { name: 'missing', group: 'zfs.csi.dev', kind: 'zfsvolumes' });
  });
});

describe('replace (PUT)', () => {
  it('bumps resourceVersion and generation on a spec change and keeps uid and creationTimestamp', async () => {
    const old = await create('put-spec');
    const body = { ...old, spec: { size: 2 } };
    const updated = asObject(await fx.api.replaceClusterCustomObject({ ...ref('put-spec'), body }));
    assert.equal(field(updated, 'metadata.generation'), 2);
    assert.ok(Number(field(updated, 'metadata.resourceVersion')) > Number(field(old, 'metadata.resourceVersion')));
    assert.equal(field(updated, 'metadata.uid'), field(old, 'metadata.uid'));
    assert.equal(field(updated, 'metadata.creationTimestamp'), field(old, 'metadata.creationTimestamp'));
  });

  it('answers 409 Conflict for a stale resourceVersion', async () => {
    const old = await create('put-stale');
    await fx.api.replaceClusterCustomObject({ ...ref('put-stale'), body: { ...old, spec: { size: 3 } } });
    const status = await rejection(fx.api.replaceClusterCustomObject({ ...ref('put-stale'), body: { ...old, spec: { size: 4 } } }));
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'Conflict');
    assert.match(status.message, /the object has been modified; please apply your changes to the latest version/);
    assert.equal(field(await get('put-stale'), 'spec.size'), 3);
  });

  it('requires metadata.resourceVersion for custom resources (422)', async () => {
    await create('put-norv');
    const status = await rejection(fx.api.replaceClusterCustomObject({ ...ref('put-norv'), body: volume('put-norv', { size: 9 }) }));
    assert.equal(status.code, 422);
  });

  it('does not bump generation for metadata-only changes and ignores status', async () => {
    const old = await create('put-meta');
    const body = { ...old, metadata: { ...asObject(old['metadata']), labels: { a: 'b' } }, status: { phase: 'Ready' } };
    const updated = asObject(await fx.api.replaceClusterCustomObject({ ...ref('put-meta'), body }));
    assert.deepEqual(field(updated, 'metadata.labels'), { a: 'b' });
    assert.equal(field(updated, 'metadata.generation'), 1);
    assert.equal(updated['status'], undefined);
    assert.notEqual(field(updated, 'metadata.resourceVersion'), field(old, 'metadata.resourceVersion'));
  });

  it('treats a write that changes nothing as a no-op (same resourceVersion)', async () => {
    const old = await create('put-noop');
    const same = asObject(await fx.api.replaceClusterCustomObject({ ...ref('put-noop'), body: old }));
    assert.equal(field(same, 'metadata.resourceVersion'), field(old, 'metadata.resourceVersion'));
  });

  it('answers 400 when the body names another object and 404 when the object is missing', async () => {
    const old = await create('put-name');
    assert.equal((await rejection(fx.api.replaceClusterCustomObject({ ...ref('other-name'), body: old }))).code, 400);
    const ghost = { ...volume('ghost'), metadata: { name: 'ghost', resourceVersion: '5' } };
    assert.equal((await rejection(fx.api.replaceClusterCustomObject({ ...ref('ghost'), body: ghost }))).code, 404);
  });
});

describe('patch', () => {
  it('applies a merge patch (setHeaderOptions Content-Type) and bumps generation for spec', async () => {
    await create('mp', { size: 1, pool: 'tank' });
    const patched = asObject(await fx.api.patchClusterCustomObject({ ...ref('mp'), body: { spec: { size: 7, pool: null } } }, mergePatchOptions()));
    assert.deepEqual(patched['spec'], { size: 7 });
    assert.equal(field(patched, 'metadata.generation'), 2);
    const viaHelper = asObject(await mergePatchClusterObject(fx.api, ref('mp'), { metadata: { labels: { x: 'y' } } }));
    assert.deepEqual(field(viaHelper, 'metadata.labels'), { x: 'y' });
    assert.equal(field(viaHelper, 'metadata.generation'), 2);
  });

  it('uses metadata.resourceVersion in a patch as a precondition (409 when stale)', async () => {
    const old = await create('mp-rv');
    await mergePatchClusterObject(fx.api, ref('mp-rv'), { spec: { size: 2 } });
    const staleRv = String(field(old, 'metadata.resourceVersion'));
    const status = await rejection(mergePatchClusterObject(fx.api, ref('mp-rv'), { metadata: { resourceVersion: staleRv }, spec: { size: 3 } }));
    assert.equal(status.reason, 'Conflict');
  });

  it('sends JSON patch by default; a failed test op is 422 and leaves the object alone', async () => {
    await create('jp', { size: 1 });
    const patched = asObject(await fx.api.patchClusterCustomObject({ ...ref('jp'), body: [
      { op: 'test', path: '/spec/size', value: 1 },
      { op: 'add', path: '/metadata/finalizers', value: ['zfs.csi.dev/protect'] },
    ] }));
    assert.deepEqual(field(patched, 'metadata.finalizers'), ['zfs.csi.dev/protect']);
    const failed = fx.api.patchClusterCustomObject({ ...ref('jp'), body: [
      { op: 'test', path: '/spec/size', value: 99 },
      { op: 'replace', path: '/spec/size', value: 2 },
    ] });
    assert.equal((await rejection(failed)).code, 422);
    assert.equal(field(await get('jp'), 'spec.size'), 1);
  });

  it('rejects strategic merge patch on custom resources with 415', async () => {
    await create('smp');
    const call = fx.api.patchClusterCustomObject({ ...ref('smp'), body: { spec: { size: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    assert.deepEqual((await rejection(call)).reason, 'UnsupportedMediaType');
  });

  it('answers 404 for a patch of a missing object', async () => {
    assert.equal((await rejection(mergePatchClusterObject(fx.api, ref('nope'), { spec: {} }))).code, 404);
  });
});

describe('status subresource', () => {
  it('changes only status through /status, without a generation bump', async () => {
    await create('st', { size: 1 });
    const patched = asObject(await mergePatchClusterObjectStatus(fx.api, ref('st'), {
      status: { phase: 'Ready' }, spec: { size: 100 }, metadata: { labels: { sneaky: 'yes' } },
    }));
    assert.deepEqual(patched['status'], { phase: 'Ready' });
    assert.deepEqual(patched['spec'], { size: 1 });
    assert.equal(field(patched, 'metadata.labels'), undefined);
    assert.equal(field(patched, 'metadata.generation'), 1);
    assert.deepEqual(asObject(await fx.api.getClusterCustomObjectStatus(ref('st')))['status'], { phase: 'Ready' });
  });

  it('replaces status with PUT /status, honouring resourceVersion', async () => {
    const current = await create('st-put');
    const body = { ...current, status: { phase: 'Failed', code: 'RESOURCE_EXHAUSTED' } };
    const updated = asObject(await fx.api.replaceClusterCustomObjectStatus({ ...ref('st-put'), body }));
    assert.deepEqual(updated['status'], { phase: 'Failed', code: 'RESOURCE_EXHAUSTED' });
    const stale = fx.api.replaceClusterCustomObjectStatus({ ...ref('st-put'), body: { ...current, status: { phase: 'x' } } });
    assert.equal((await rejection(stale)).code, 409);
  });

  it('keeps status when the main resource is replaced or patched', async () => {
    await create('st-keep');
    await mergePatchClusterObjectStatus(fx.api, ref('st-keep'), { status: { phase: 'Ready' } });
    const patched = asObject(await mergePatchClusterObject(fx.api, ref('st-keep'), { spec: { size: 3 }, status: { phase: 'Pending' } }));
    assert.deepEqual(patched['status'], { phase: 'Ready' });
  });
});

describe('delete', () => {
  it('removes an object without finalizers at once and answers a Success Status', async () => {
    const created = await create('del');
    const answer = asObject(await fx.api.deleteClusterCustomObject(ref('del')));
    assert.equal(answer['kind'], 'Status');
    assert.equal(answer['status'], 'Success');
    assert.equal(field(answer, 'details.uid'), field(created, 'metadata.uid'));
    assert.equal((await rejection(fx.api.getClusterCustomObject(ref('del')))).code, 404);
    assert.equal((await rejection(fx.api.deleteClusterCustomObject(ref('del')))).reason, 'NotFound');
  });

  it('checks uid and resourceVersion preconditions (409)', async () => {
    const created = await create('del-pre');
    const badUid = fx.api.deleteClusterCustomObject({ ...ref('del-pre'), body: { preconditions: { uid: 'not-the-uid' } } });
    assert.equal((await rejection(badUid)).code, 409);
    const badRv = fx.api.deleteClusterCustomObject({ ...ref('del-pre'), body: { preconditions: { resourceVersion: '1' } } });
    assert.equal((await rejection(badRv)).reason, 'Conflict');
    const uid = String(field(created, 'metadata.uid'));
    await fx.api.deleteClusterCustomObject({ ...ref('del-pre'), body: { preconditions: { uid } } });
    assert.equal(fx.server.peek('zfsvolumes', 'del-pre'), undefined);
  });

  it('with finalizers: marks deletionTimestamp, bumps generation once, removes when finalizers empty', async () => {
    const body = { ...volume('fin'), metadata: { name: 'fin', finalizers: ['zfs.csi.dev/agent'] } };
    await fx.api.createClusterCustomObject({ ...VOLUMES, body });
    const marked = asObject(await fx.api.deleteClusterCustomObject(ref('fin')));
    assert.equal(marked['kind'], 'ZfsVolume');
    assert.match(String(field(marked, 'metadata.deletionTimestamp')), /Z$/);
    assert.equal(field(marked, 'metadata.generation'), 2);
    const again = asObject(await fx.api.deleteClusterCustomObject(ref('fin')));
    assert.equal(field(again, 'metadata.resourceVersion'), field(marked, 'metadata.resourceVersion'), 'second delete changes nothing');
    // The object stays, status can still be written while finalizers are pending.
    await mergePatchClusterObjectStatus(fx.api, ref('fin'), { status: { phase: 'Deleting' } });
    assert.equal(field(await get('fin'), 'status.phase'), 'Deleting');
    await mergePatchClusterObject(fx.api, ref('fin'), { metadata: { finalizers: null } });
    assert.equal((await rejection(fx.api.getClusterCustomObject(ref('fin')))).code, 404);
  });
});

describe('access', () => {
  it('answers 401 Unauthorized to a wrong bearer token', async () => {
    const api = fakeKubeConfig({ url: fx.server.url, token: 'wrong' }).makeApiClient(CustomObjectsApi);
    const err: unknown = await api.getClusterCustomObject(ref('x')).then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(err)?.code, 401);
  });
});

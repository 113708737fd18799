/**
 * Pins list semantics of the fake API server through the real client-node: label and field selectors
 * (the node agent selects its own resources by spec.nodeName), list resourceVersion, and limit/continue
 * paging that stays consistent while objects change between pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiStatusOf, mergePatchClusterObject, mergePatchClusterObjectStatus } from './fake-apiserver/client-helpers.js';
import { asObject, field, names, startFixture, volume, VOLUMES, type Fixture } from './fake-apiserver/fixture.js';
import { customResource } from './fake-apiserver/resources.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture();
  const seed: Array<[string, string, Record<string, string>]> = [
    ['sel-a', 'node-1', { tier: 'gold', app: 'db' }],
    ['sel-b', 'node-1', { tier: 'silver', app: 'db' }],
    ['sel-c', 'node-2', { tier: 'bronze' }],
    ['sel-d', 'node-2', {}],
  ];
  for (const [name, nodeName, labels] of seed) {
    await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume(name, { nodeName, capacity: 10 }, labels) });
  }
  await mergePatchClusterObjectStatus(fx.api, { ...VOLUMES, name: 'sel-a' }, { status: { phase: 'Ready' } });
});
after(async () => {
  await fx.close();
});

async function listNames(query: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> {
  return names(await fx.api.listClusterCustomObject({ ...VOLUMES, ...query })).filter((n) => n.startsWith('sel-'));
}

describe('label selectors', () => {
  const cases: Array<[string, string[]]> = [
    ['tier=gold', ['sel-a']],
    ['tier==silver', ['sel-b']],
    ['tier!=gold', ['sel-b', 'sel-c', 'sel-d']],
    ['tier in (gold, bronze)', ['sel-a', 'sel-c']],
    ['tier notin (gold,bronze)', ['sel-b', 'sel-d']],
    ['app', ['sel-a', 'sel-b']],
    ['!app', ['sel-c', 'sel-d']],
    ['app=db,tier!=silver', ['sel-a']],
    ['', ['sel-a', 'sel-b', 'sel-c', 'sel-d']],
  ];
  for (const [selector, expected] of cases) {
    it(`"${selector}" selects ${expected.join(', ')}`, async () => {
      assert.deepEqual(await listNames({ labelSelector: selector }), expected);
    });
  }

  it('answers 400 BadRequest to a malformed selector', async () => {
    const err: unknown = await fx.api.listClusterCustomObject({ ...VOLUMES, labelSelector: 'tier in gold' }).then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(err)?.code, 400);
  });
});

describe('field selectors', () => {
  const cases: Array<[string, string[]]> = [
    ['metadata.name=sel-b', ['sel-b']],
    ['spec.nodeName=node-2', ['sel-c', 'sel-d']],
    ['spec.nodeName==node-1,metadata.name!=sel-a', ['sel-b']],
    ['status.phase=Ready', ['sel-a']],
    ['status.phase!=Ready', ['sel-b', 'sel-c', 'sel-d']],
    ['spec.capacity=10', ['sel-a', 'sel-b', 'sel-c', 'sel-d']],
  ];
  for (const [selector, expected] of cases) {
    it(`"${selector}" selects ${expected.join(', ')}`, async () => {
      assert.deepEqual(await listNames({ fieldSelector: selector }), expected);
    });
  }

  it('combines label and field selectors', async () => {
    assert.deepEqual(await listNames({ labelSelector: 'app=db', fieldSelector: 'status.phase!=Ready' }), ['sel-b']);
  });
});

describe('list resourceVersion', () => {
  it('is the store revision and grows with every write', async () => {
    const first = asObject(await fx.api.listClusterCustomObject(VOLUMES));
    assert.equal(field(first, 'metadata.resourceVersion'), fx.server.resourceVersion);
    assert.equal(first['kind'], 'ZfsVolumeList');
    await mergePatchClusterObject(fx.api, { ...VOLUMES, name: 'sel-d' }, { metadata: { annotations: { touched: 'yes' } } });
    const second = asObject(await fx.api.listClusterCustomObject(VOLUMES));
    assert.ok(Number(field(second, 'metadata.resourceVersion')) > Number(field(first, 'metadata.resourceVersion')));
  });
});

describe('pagination', () => {
  const PAGE = { ...VOLUMES, labelSelector: 'set=page' } as const;

  before(async () => {
    for (const n of ['p1', 'p3', 'p5', 'p7', 'p9']) {
      await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume(n, { size: 1 }, { set: 'page' }) });
    }
  });

  it('pages with limit/continue from one snapshot while objects change in between', async () => {
    const first = asObject(await fx.api.listClusterCustomObject({ ...PAGE, limit: 2 }));
    assert.deepEqual(names(first), ['p1', 'p3']);
    const token = String(field(first, 'metadata.continue'));
    const rv = field(first, 'metadata.resourceVersion');
    // Concurrent writes: a new object inside the unread range, a deletion and a change of unread objects.
    await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume('p4', {}, { set: 'page' }) });
    await fx.api.deleteClusterCustomObject({ ...VOLUMES, name: 'p5' });
    await mergePatchClusterObject(fx.api, { ...VOLUMES, name: 'p7' }, { spec: { size: 99 } });

    const second = asObject(await fx.api.listClusterCustomObject({ ...PAGE, limit: 2, _continue: token }));
    assert.deepEqual(names(second), ['p5', 'p7'], 'the snapshot still has p5 and not p4');
    assert.equal(field(second, 'metadata.resourceVersion'), rv);
    const items = second['items'];
    assert.ok(Array.isArray(items));
    assert.equal(field(items[1], 'spec.size'), 1, 'p7 as it was at the snapshot');
    const third = asObject(await fx.api.listClusterCustomObject({ ...PAGE, limit: 2, _continue: String(field(second, 'metadata.continue')) }));
    assert.deepEqual(names(third), ['p9']);
    assert.equal(field(third, 'metadata.continue'), undefined);

    const fresh = asObject(await fx.api.listClusterCustomObject(PAGE));
    assert.deepEqual(names(fresh), ['p1', 'p3', 'p4', 'p7', 'p9']);
  });

  it('reports remainingItemCount when no selector filters the list', async () => {
    const page = asObject(await fx.api.listClusterCustomObject({ ...VOLUMES, limit: 1 }));
    const total = names(await fx.api.listClusterCustomObject(VOLUMES)).length;
    assert.equal(field(page, 'metadata.remainingItemCount'), total - 1);
  });

  it('answers 410 Expired to a continue token older than the event history', async () => {
    const first = asObject(await fx.api.listClusterCustomObject({ ...PAGE, limit: 1 }));
    await fx.api.createClusterCustomObject({ ...VOLUMES, body: volume('p2', {}, { set: 'page' }) });
    fx.server.compactHistory();
    const err: unknown = await fx.api
      .listClusterCustomObject({ ...PAGE, limit: 1, _continue: String(field(first, 'metadata.continue')) })
      .then(() => undefined, (e: unknown) => e);
    assert.deepEqual({ code: apiStatusOf(err)?.code, reason: apiStatusOf(err)?.reason }, { code: 410, reason: 'Expired' });
  });

  it('answers 400 to a continue token that is not one', async () => {
    const err: unknown = await fx.api.listClusterCustomObject({ ...PAGE, limit: 1, _continue: 'garbage' }).then(() => undefined, (e: unknown) => e);
    assert.equal(apiStatusOf(err)?.code, 400);
  });
});

describe('selectableFields', () => {
  it('rejects field selectors outside a declared selectableFields list with 400, like a CRD would', async () => {
    const strict = await startFixture({
      resources: [{ ...customResource('zfs.csi.dev', 'v1alpha1', 'zfsvolumes', 'ZfsVolume'), selectableFields: ['spec.nodeName'] }],
    });
    try {
      await strict.api.createClusterCustomObject({ ...VOLUMES, body: volume('s1', { nodeName: 'n1', pool: 'tank' }) });
      assert.deepEqual(names(await strict.api.listClusterCustomObject({ ...VOLUMES, fieldSelector: 'spec.nodeName=n1' })), ['s1']);
      assert.deepEqual(names(await strict.api.listClusterCustomObject({ ...VOLUMES, fieldSelector: 'metadata.name=s1' })), ['s1']);
      const err: unknown = await strict.api.listClusterCustomObject({ ...VOLUMES, fieldSelector: 'spec.pool=tank' }).then(() => undefined, (e: unknown) => e);
      assert.equal(apiStatusOf(err)?.code, 400);
    } finally {
      await strict.close();
    }
  });
});

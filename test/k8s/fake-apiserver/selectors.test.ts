/** Unit tests of the selector grammar (k8s.io/apimachinery labels.Parse / fields.ParseSelector). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from './json.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError } from './status.js';

const obj = (labels: Record<string, string>, spec: JsonObject = {}): JsonObject => ({ metadata: { name: 'x', labels }, spec });

describe('label selectors', () => {
  const subject = obj({ 'zfs.csi.dev/node': 'n1', tier: 'gold', n: '5' });
  const cases: Array<[string, boolean]> = [
    ['zfs.csi.dev/node=n1', true],
    ['zfs.csi.dev/node==n2', false],
    ['tier!=silver', true],
    ['missing!=x', true],
    ['tier in (silver, gold)', true],
    ['tier notin (gold)', false],
    ['missing notin (gold)', true],
    ['tier', true],
    ['!tier', false],
    ['! missing', true],
    ['n>4,n<6', true],
    ['n>5', false],
    ['tier=gold,zfs.csi.dev/node in (n1,n2),!missing', true],
    ['tier=', false],
  ];
  for (const [selector, expected] of cases) {
    it(`"${selector}" → ${String(expected)}`, () => {
      assert.equal(matchesLabels(subject, parseLabelSelector(selector)), expected);
    });
  }

  it('matches an empty-valued label with key=', () => {
    assert.equal(matchesLabels(obj({ flag: '' }), parseLabelSelector('flag=')), true);
  });

  for (const bad of ['tier in gold', 'a=b=c', '=x', 'tier in (a b)', 'n>x', 'a,,b']) {
    it(`rejects "${bad}" with 400`, () => {
      assert.throws(() => parseLabelSelector(bad), (err: unknown) => err instanceof ApiError && err.code === 400);
    });
  }
});

describe('field selectors', () => {
  const subject: JsonObject = { metadata: { name: 'v1' }, spec: { nodeName: 'n1', size: 10, ro: false, path: 'a,b=c' } };
  const cases: Array<[string, boolean]> = [
    ['metadata.name=v1', true],
    ['spec.nodeName==n1,metadata.name!=v2', true],
    ['spec.nodeName!=n1', false],
    ['spec.size=10', true],
    ['spec.ro=false', true],
    ['status.phase=', true],
    ['status.phase!=Ready', true],
    [String.raw`spec.path=a\,b\=c`, true],
  ];
  for (const [selector, expected] of cases) {
    it(`"${selector}" → ${String(expected)}`, () => {
      assert.equal(matchesFields(subject, parseFieldSelector(selector)), expected);
    });
  }

  for (const bad of ['spec.nodeName', 'a=b=c', String.raw`a=b\x`]) {
    it(`rejects "${bad}" with 400`, () => {
      assert.throws(() => parseFieldSelector(bad), (err: unknown) => err instanceof ApiError && err.code === 400);
    });
  }
});

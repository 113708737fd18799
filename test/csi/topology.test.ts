import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src/domain/errors.js';
import { TOPOLOGY_NODE_KEY } from '../../src/domain/types.js';
import { accessibleTopology, chooseNode, nodeOf, requireNodeAllowed } from '../../src/csi/topology.js';

const t = (node: string): { segments: Record<string, string> } => ({ segments: { [TOPOLOGY_NODE_KEY]: node } });
const known = ['n1', 'n2', 'n3'];

function exhausted(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof DriverError && err.code === 'RESOURCE_EXHAUSTED');
}

describe('topology', () => {
  it('no requirements → the first known node', () => {
    assert.equal(chooseNode(null, known), 'n1');
    assert.equal(chooseNode({ requisite: [], preferred: [] }, known), 'n1');
  });

  it('preferred first, in order, then requisite', () => {
    assert.equal(chooseNode({ requisite: [t('n2'), t('n3')], preferred: [t('n3'), t('n2')] }, known), 'n3');
    assert.equal(chooseNode({ requisite: [t('n9'), t('n2')], preferred: [] }, known), 'n2');
  });

  it('skips unknown nodes', () => {
    assert.equal(chooseNode({ requisite: [t('n9'), t('n3')], preferred: [t('n9')] }, known), 'n3');
  });

  it('preferred outside the requisite list is not taken', () => {
    assert.equal(chooseNode({ requisite: [t('n2')], preferred: [t('n1')] }, known), 'n2');
  });

  it('only unknown preferred and no requisite → any known node', () => {
    assert.equal(chooseNode({ requisite: [], preferred: [t('n9')] }, known), 'n1');
  });

  it('a requisite naming no known node → RESOURCE_EXHAUSTED', () => {
    exhausted(() => chooseNode({ requisite: [t('n9')], preferred: [t('n9')] }, known));
    exhausted(() => chooseNode({ requisite: [{ segments: { zone: 'a' } }], preferred: [] }, known));
    exhausted(() => chooseNode(null, []));
  });

  it('a fixed node must be in the requisite list when there is one', () => {
    requireNodeAllowed(null, 'n1');
    requireNodeAllowed({ requisite: [t('n1')], preferred: [] }, 'n1');
    exhausted(() => requireNodeAllowed({ requisite: [t('n2')], preferred: [] }, 'n1'));
  });

  it('accessible_topology names the node; nodeOf reads it back', () => {
    assert.deepEqual(accessibleTopology('n2'), [{ segments: { 'zfs.csi.dev/node': 'n2' } }]);
    assert.equal(nodeOf(accessibleTopology('n2')[0]), 'n2');
    assert.equal(nodeOf({ segments: {} }), undefined);
    assert.equal(nodeOf(null), undefined);
  });
});

/**
 * The CRDs (issue 3 §1) against the code: group, version, kinds and plurals from src/store/kube/resources.ts;
 * structural schemas; every field of the TypeScript shapes present in the schema and nothing more; samples
 * built from those shapes (and accepted by the decoders) validate; malformed objects do not; identity fields
 * carry CEL immutability rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { decodeNode, decodeReplication, decodeSnapshot, decodeTransfer, decodeVolume } from '../../src/store/kube/decode.js';
import { GROUP, KIND, PLURAL, VERSION, type ReplicationPhase, type SnapshotPhase, type TransferPhase, type VolumePhase } from '../../src/store/kube/resources.js';
import { asArray, asObj, crd, isObj, type Obj } from './chart.js';
import { FULL_NODE, FULL_REPLICATION, FULL_SNAPSHOT, FULL_TRANSFER, FULL_VOLUME } from './samples.js';

const FILES = {
  volume: 'zfsvolumes.yaml', snapshot: 'zfssnapshots.yaml', node: 'zfsnodes.yaml', transfer: 'zfstransfers.yaml', replication: 'zfsreplications.yaml',
} as const;
type Which = keyof typeof FILES;
const WHICH: readonly Which[] = ['volume', 'snapshot', 'node', 'transfer', 'replication'];

function version(which: Which): Obj {
  const spec = asObj(crd(FILES[which])['spec'], 'spec');
  const versions = asArray(spec['versions']).map((v) => asObj(v, 'version'));
  assert.equal(versions.length, 1);
  return versions[0] as Obj;
}

const schemaOf = (which: Which): Obj =>
  asObj(asObj(version(which)['schema'], 'schema')['openAPIV3Schema'], 'openAPIV3Schema');

const at = (schema: Obj, path: string): Obj =>
  path.split('.').reduce<Obj>((node, key) => {
    if (key === '[]') return asObj(node['items'], `${path} items`);
    return asObj(asObj(node['properties'], `${path} properties`)[key], `${path}: ${key}`);
  }, schema);

test('names, group, version and scope match src/store/kube/resources.ts', () => {
  for (const which of WHICH) {
    const doc = crd(FILES[which]);
    const spec = asObj(doc['spec'], 'spec');
    const names = asObj(spec['names'], 'names');
    assert.equal(spec['group'], GROUP);
    assert.equal(asObj(doc['metadata'], 'metadata')['name'], `${PLURAL[which]}.${GROUP}`);
    assert.equal(names['plural'], PLURAL[which]);
    assert.equal(names['kind'], KIND[which]);
    assert.equal(spec['scope'], 'Cluster');
    assert.ok(asArray(names['shortNames']).length > 0, `${which} short names`);
    const v = version(which);
    assert.equal(v['name'], VERSION);
    assert.equal(v['served'], true);
    assert.equal(v['storage'], true);
    assert.deepEqual(asObj(v['subresources'], 'subresources')['status'], {});
  }
});

test('volumes and snapshots print Node, Size, Phase, CSI Name and Age', () => {
  for (const which of ['volume', 'snapshot'] as const) {
    const columns = asArray(version(which)['additionalPrinterColumns']).map((c) => asObj(c, 'column')['name']);
    for (const name of ['Node', 'Size', 'Phase', 'CSI Name', 'Age']) assert.ok(columns.includes(name), `${which}: ${name}`);
  }
});

/** Structural schema rules (apiextensions): a type everywhere, no $ref/definitions, metadata left alone. */
function structuralProblems(node: Obj, path: string, problems: string[]): void {
  for (const banned of ['$ref', 'definitions', 'dependencies', 'additionalItems', 'patternProperties', 'uniqueItems']) {
    if (banned in node) problems.push(`${path}: ${banned}`);
  }
  if (typeof node['type'] !== 'string' && node['x-kubernetes-int-or-string'] !== true && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    problems.push(`${path}: no type`);
  }
  if (isObj(node['properties']) && isObj(node['additionalProperties'])) problems.push(`${path}: properties and additionalProperties`);
  for (const [k, v] of Object.entries(isObj(node['properties']) ? node['properties'] : {})) {
    structuralProblems(asObj(v, k), `${path}.${k}`, problems);
  }
  if (isObj(node['items'])) structuralProblems(node['items'], `${path}[]`, problems);
  if (isObj(node['additionalProperties'])) structuralProblems(node['additionalProperties'], `${path}{}`, problems);
}

test('every schema is structural', () => {
  for (const which of WHICH) {
    const root = schemaOf(which);
    const problems: string[] = [];
    structuralProblems(root, which, problems);
    assert.equal(root['type'], 'object');
    const top = Object.keys(asObj(root['properties'], 'properties')).sort();
    assert.deepEqual(top.filter((k) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k)), []);
    assert.deepEqual(at(root, 'metadata'), { type: 'object' }, 'metadata may only be typed');
    assert.deepEqual(problems, []);
  }
});

/** Schema properties of an object node, and the keys of a fully populated sample: they must be the same set. */
function sameKeys(schema: Obj, sample: object, path: string): void {
  const props = Object.keys(asObj(schema['properties'], `${path} properties`)).sort();
  assert.deepEqual(props, Object.keys(sample).sort(), `${path}: schema properties vs resources.ts fields`);
}

test('schemas have exactly the fields of the resources.ts shapes', () => {
  const vol = schemaOf('volume');
  sameKeys(at(vol, 'spec'), FULL_VOLUME.spec, 'ZfsVolume.spec');
  sameKeys(at(vol, 'spec.contentSource'), asObj(FULL_VOLUME.spec.contentSource, 'cs'), 'ZfsVolume.spec.contentSource');
  sameKeys(at(vol, 'status'), asObj(FULL_VOLUME.status, 'status'), 'ZfsVolume.status');
  sameKeys(at(vol, 'status.conditions.[]'), asObj(asArray(FULL_VOLUME.status?.conditions)[0], 'c'), 'Condition');
  sameKeys(at(vol, 'spec.mutableParameters'), asObj(FULL_VOLUME.spec.mutableParameters, 'mp'), 'ZfsVolume.spec.mutableParameters');
  sameKeys(at(vol, 'status.appliedParameters'), asObj(FULL_VOLUME.spec.mutableParameters, 'mp'), 'ZfsVolume.status.appliedParameters');
  const snap = schemaOf('snapshot');
  sameKeys(at(snap, 'spec'), FULL_SNAPSHOT.spec, 'ZfsSnapshot.spec');
  sameKeys(at(snap, 'status'), asObj(FULL_SNAPSHOT.status, 'status'), 'ZfsSnapshot.status');
  const node = schemaOf('node');
  sameKeys(at(node, 'status'), asObj(FULL_NODE.status, 'status'), 'ZfsNode.status');
  sameKeys(at(node, 'status.parents.[]'), asObj(asArray(FULL_NODE.status?.parents)[0], 'p'), 'ParentStatus');
  const transfer = schemaOf('transfer');
  sameKeys(at(transfer, 'spec'), FULL_TRANSFER.spec, 'ZfsTransfer.spec');
  sameKeys(at(transfer, 'status'), asObj(FULL_TRANSFER.status, 'status'), 'ZfsTransfer.status');
  const replication = schemaOf('replication');
  sameKeys(at(replication, 'spec'), FULL_REPLICATION.spec, 'ZfsReplication.spec');
  sameKeys(at(replication, 'status'), asObj(FULL_REPLICATION.status, 'status'), 'ZfsReplication.status');
  sameKeys(at(replication, 'status.replicated.[]'), asObj(asArray(FULL_REPLICATION.status?.replicated)[0], 'r'), 'ReplicatedSnapshot');
});

/** The schema as plain JSON Schema for ajv: k8s extensions dropped, objects closed (pruning made visible). */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) if (!k.startsWith('x-kubernetes-')) out[k] = forAjv(v);
  if (isObj(out['properties']) && out['additionalProperties'] === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    const keys = Object.keys(out['properties']);
    if (!keys.includes('metadata')) out['additionalProperties'] = false;
  }
  return out;
}

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  formats: { int64: true, 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/ },
});
const compiled = (which: Which): ValidateFunction => ajv.compile(forAjv(schemaOf(which)) as Obj);
const validators = {
  volume: compiled('volume'), snapshot: compiled('snapshot'), node: compiled('node'), transfer: compiled('transfer'), replication: compiled('replication'),
};
const json = (v: unknown): Obj => JSON.parse(JSON.stringify(v)) as Obj;

test('full samples of every shape validate and round-trip through the decoders', () => {
  for (const [which, sample] of [['volume', FULL_VOLUME], ['snapshot', FULL_SNAPSHOT], ['node', FULL_NODE], ['transfer', FULL_TRANSFER], ['replication', FULL_REPLICATION]] as const) {
    const v = validators[which];
    assert.ok(v(json(sample)), `${which}: ${JSON.stringify(v.errors)}`);
  }
  assert.deepEqual(decodeVolume(json(FULL_VOLUME)), FULL_VOLUME);
  assert.deepEqual(decodeSnapshot(json(FULL_SNAPSHOT)), FULL_SNAPSHOT);
  assert.deepEqual(decodeNode(json(FULL_NODE)), FULL_NODE);
  assert.deepEqual(decodeTransfer(json(FULL_TRANSFER)), FULL_TRANSFER);
  assert.deepEqual(decodeReplication(json(FULL_REPLICATION)), FULL_REPLICATION);
});

test('a fresh object, as the controller first writes it, validates', () => {
  const fresh = json({ ...FULL_VOLUME, status: undefined, spec: { ...FULL_VOLUME.spec, contentSource: undefined, deletionRequested: undefined, importDataset: undefined } });
  assert.ok(validators.volume(fresh), JSON.stringify(validators.volume.errors));
  const node = json({ ...FULL_NODE, status: undefined });
  assert.ok(validators.node(node), JSON.stringify(validators.node.errors));
});

const SAMPLES = { volume: FULL_VOLUME, snapshot: FULL_SNAPSHOT, node: FULL_NODE, transfer: FULL_TRANSFER, replication: FULL_REPLICATION } as const;

function edited(which: Which, edit: (o: Obj) => void): boolean {
  const base = SAMPLES[which];
  const o = json(base);
  edit(o);
  return validators[which](o);
}
const spec = (o: Obj): Obj => asObj(o['spec'], 'spec');
const status = (o: Obj): Obj => asObj(o['status'], 'status');

const BAD: readonly [string, Which, (o: Obj) => void][] = [
  ['requestedBytes with a unit', 'volume', (o) => { spec(o)['requestedBytes'] = '10Gi'; }],
  ['requestedBytes as a number', 'volume', (o) => { spec(o)['requestedBytes'] = 1024; }],
  ['a missing csiName', 'volume', (o) => { delete spec(o)['csiName']; }],
  ['a bad quotaType', 'volume', (o) => { spec(o)['quotaType'] = 'reservation'; }],
  ['a bad contentSource kind', 'volume', (o) => { asObj(spec(o)['contentSource'], 'cs')['kind'] = 'pvc'; }],
  ['a non-string ZFS property', 'volume', (o) => { asObj(spec(o)['properties'], 'p')['copies'] = 2; }],
  ['an unknown phase', 'volume', (o) => { status(o)['phase'] = 'Creating'; }],
  ['a code that is not an ErrorCode', 'volume', (o) => { status(o)['code'] = 'OK'; }],
  ['an unknown deletion outcome', 'volume', (o) => { status(o)['deletion'] = 'Gone'; }],
  ['a negative observedGeneration', 'volume', (o) => { status(o)['observedGeneration'] = -1; }],
  ['a condition status that is not True/False/Unknown', 'volume', (o) => { asObj(asArray(status(o)['conditions'])[0], 'c')['status'] = 'Yes'; }],
  ['a condition without a time', 'volume', (o) => { delete asObj(asArray(status(o)['conditions'])[0], 'c')['lastTransitionTime']; }],
  ['a mutable quotaType that is not refquota/quota', 'volume', (o) => { asObj(spec(o)['mutableParameters'], 'mp')['quotaType'] = 'refreservation'; }],
  ['a mutable property that is not a string', 'volume', (o) => { asObj(asObj(spec(o)['mutableParameters'], 'mp')['properties'], 'p')['copies'] = 2; }],
  ['applied parameters with thin as a string', 'volume', (o) => { asObj(status(o)['appliedParameters'], 'ap')['thin'] = 'true'; }],
  ['a snapshot without its source', 'snapshot', (o) => { delete spec(o)['sourceVolumeId']; }],
  ['a snapshot deletion outcome of Retired', 'snapshot', (o) => { status(o)['deletion'] = 'Retired'; }],
  ['a snapshot size with a unit', 'snapshot', (o) => { status(o)['sizeBytes'] = '1K'; }],
  ['a parent without its pool', 'node', (o) => { delete asObj(asArray(status(o)['parents'])[0], 'p')['pool']; }],
  ['available bytes as a number', 'node', (o) => { asObj(asArray(status(o)['parents'])[0], 'p')['availableBytes'] = 5; }],
  ['a transfer without its target node', 'transfer', (o) => { delete spec(o)['targetNode']; }],
  ['an unknown transfer phase', 'transfer', (o) => { status(o)['phase'] = 'Sending'; }],
  ['an unknown stream mode', 'transfer', (o) => { status(o)['mode'] = 'resumed'; }],
  ['transfer bytes with a unit', 'transfer', (o) => { status(o)['bytes'] = '1Mi'; }],
  ['a replication that keeps no snapshot', 'replication', (o) => { spec(o)['retain'] = 0; }],
  ['a replication without an interval', 'replication', (o) => { delete spec(o)['intervalSeconds']; }],
  ['a replication interval as a string', 'replication', (o) => { spec(o)['intervalSeconds'] = '15m'; }],
  ['an unknown delete policy', 'replication', (o) => { spec(o)['deletePolicy'] = 'Orphan'; }],
  ['a replicated snapshot without its time', 'replication', (o) => { delete asObj(asArray(status(o)['replicated'])[0], 'r')['creationTime']; }],
];

for (const [what, which, edit] of BAD) {
  test(`a ${which} with ${what} is rejected`, () => {
    assert.equal(edited(which, edit), false);
  });
}

test('status.code enums are exactly ERROR_CODES; phases are the resources.ts phases', () => {
  // Records over the phase types: the compiler fails when a phase is added to resources.ts and not here.
  const volume: Record<VolumePhase, true> = { Pending: true, Ready: true, Deleting: true, Failed: true, Lost: true, Unavailable: true };
  const snapshot: Record<SnapshotPhase, true> = { Pending: true, Ready: true, Deleting: true, Failed: true, Lost: true, Unavailable: true };
  const phases = { volume: Object.keys(volume), snapshot: Object.keys(snapshot) };
  for (const which of ['volume', 'snapshot'] as const) {
    assert.deepEqual(at(schemaOf(which), 'status.code')['enum'], [...ERROR_CODES]);
    assert.deepEqual(at(schemaOf(which), 'status.phase')['enum'], phases[which]);
  }
  const transfer: Record<TransferPhase, true> = { Pending: true, Running: true, Succeeded: true, Failed: true };
  assert.deepEqual(at(schemaOf('transfer'), 'status.code')['enum'], [...ERROR_CODES]);
  assert.deepEqual(at(schemaOf('transfer'), 'status.phase')['enum'], Object.keys(transfer));
  const replication: Record<ReplicationPhase, true> = { Pending: true, Replicating: true, Ready: true, Failing: true };
  assert.deepEqual(at(schemaOf('replication'), 'status.code')['enum'], [...ERROR_CODES]);
  assert.deepEqual(at(schemaOf('replication'), 'status.phase')['enum'], Object.keys(replication));
});

const rulesOf = (node: Obj): string[] => asArray(node['x-kubernetes-validations']).map((r) => String(asObj(r, 'rule')['rule']));

test('identity fields are immutable (CEL self == oldSelf); intent fields may change', () => {
  const vol = schemaOf('volume');
  for (const f of ['csiName', 'volumeId', 'nodeName', 'parentDataset', 'contentSource', 'importDataset']) {
    assert.ok(rulesOf(at(vol, `spec.${f}`)).includes('self == oldSelf'), `ZfsVolume spec.${f}`);
  }
  // A transition rule does not run when the field is added or removed: the spec-level rule covers that.
  assert.ok(rulesOf(at(vol, 'spec')).some((r) => r.includes('has(self.contentSource) == has(oldSelf.contentSource)')));
  assert.ok(rulesOf(at(vol, 'spec')).some((r) => r.includes('has(self.importDataset) == has(oldSelf.importDataset)')));
  const snap = schemaOf('snapshot');
  for (const f of ['csiName', 'snapshotId', 'sourceVolumeId', 'nodeName']) {
    assert.ok(rulesOf(at(snap, `spec.${f}`)).includes('self == oldSelf'), `ZfsSnapshot spec.${f}`);
  }
  for (const f of ['deletionRequested', 'requestedBytes', 'properties', 'mutableParameters']) assert.deepEqual(rulesOf(at(vol, `spec.${f}`)), [], f);
  assert.deepEqual(rulesOf(at(snap, 'spec.deletionRequested')), []);
  assert.ok(rulesOf(vol).includes('self.metadata.name == self.spec.volumeId'));
  assert.ok(rulesOf(snap).includes('self.metadata.name == self.spec.snapshotId'));
  // A transfer is one copy: a different snapshot or node is a different transfer, never an edit.
  const transferRule = rulesOf(at(schemaOf('transfer'), 'spec')).join(' ');
  for (const f of ['snapshotId', 'volumeId', 'nodeName', 'targetNode', 'targetParent']) assert.ok(transferRule.includes(`self.${f} == oldSelf.${f}`), f);
  assert.ok(!transferRule.includes('deletionRequested'), 'the deletion intent may be set');
  // A replication's schedule and retention may change; what it copies where may not.
  const replicationRule = rulesOf(at(schemaOf('replication'), 'spec')).join(' ');
  for (const f of ['volumeId', 'targetNode', 'targetParent']) assert.ok(replicationRule.includes(`self.${f} == oldSelf.${f}`), f);
  for (const f of ['intervalSeconds', 'retain', 'suspend', 'deletePolicy', 'replicateNow']) assert.ok(!replicationRule.includes(f), f);
});

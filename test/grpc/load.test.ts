// Spot checks that csi.proto loads and stays wire-identical to upstream CSI v1 where it matters most.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCsiRoot, loadCsiServices, packageRoot } from '../../src/grpc/load.js';

test('the package root holds csi-proto/csi.proto', () => {
  assert.ok(existsSync(join(packageRoot, 'csi-proto', 'csi.proto')));
  assert.ok(existsSync(join(packageRoot, 'package.json')));
});

test('services carry the upstream methods and paths', () => {
  const s = loadCsiServices();
  assert.deepEqual(Object.keys(s.Identity).sort(), ['GetPluginCapabilities', 'GetPluginInfo', 'Probe']);
  assert.equal(Object.keys(s.Controller).length, 15);
  assert.equal(Object.keys(s.Node).length, 8);
  assert.equal(Object.keys(s.GroupController).length, 4);
  assert.equal(s.Controller.CreateVolume.path, '/csi.v1.Controller/CreateVolume');
  assert.equal(s.Node.NodeGetVolumeStats.path, '/csi.v1.Node/NodeGetVolumeStats');
  assert.equal(s.SnapshotMetadata.GetMetadataDelta.responseStream, true);
  assert.equal(s.Controller.CreateVolume.responseStream, false);
});

test('extension options keep their upstream numbers', () => {
  const root = loadCsiRoot();
  const ext = (name: string) => root.lookup(`csi.v1.${name}`);
  const expected: Array<[string, number, string]> = [
    ['csi_secret', 1059, 'FieldOptions'],
    ['alpha_field', 1060, 'FieldOptions'],
    ['alpha_enum', 1060, 'EnumOptions'],
    ['alpha_enum_value', 1060, 'EnumValueOptions'],
    ['alpha_message', 1060, 'MessageOptions'],
    ['alpha_method', 1060, 'MethodOptions'],
    ['alpha_service', 1060, 'ServiceOptions'],
  ];
  for (const [name, id, extendee] of expected) {
    const field = ext(name);
    const json: unknown = field?.toJSON();
    assert.ok(json && typeof json === 'object', name);
    assert.equal((json as { id: number }).id, id, name);
    assert.equal((json as { extend: string }).extend, `google.protobuf.${extendee}`, name);
  }
});

test('field numbers and types of the messages the driver relies on', () => {
  const root = loadCsiRoot();
  const ids = (type: string) =>
    Object.fromEntries(root.lookupType(`csi.v1.${type}`).fieldsArray.map((f) => [f.name, [f.id, f.type]]));
  assert.deepEqual(ids('CreateVolumeRequest'), {
    name: [1, 'string'],
    capacity_range: [2, 'CapacityRange'],
    volume_capabilities: [3, 'VolumeCapability'],
    parameters: [4, 'string'],
    secrets: [5, 'string'],
    volume_content_source: [6, 'VolumeContentSource'],
    accessibility_requirements: [7, 'TopologyRequirement'],
    mutable_parameters: [8, 'string'],
  });
  assert.deepEqual(ids('Snapshot'), {
    size_bytes: [1, 'int64'],
    snapshot_id: [2, 'string'],
    source_volume_id: [3, 'string'],
    creation_time: [4, '.google.protobuf.Timestamp'],
    ready_to_use: [5, 'bool'],
    group_snapshot_id: [6, 'string'],
  });
  assert.deepEqual(ids('NodeGetInfoResponse'), {
    node_id: [1, 'string'],
    max_volumes_per_node: [2, 'int64'],
    accessible_topology: [3, 'Topology'],
  });
  const mode = root.lookupEnum('csi.v1.VolumeCapability.AccessMode.Mode').values;
  assert.equal(mode['SINGLE_NODE_SINGLE_WRITER'], 6);
  assert.equal(root.lookupEnum('csi.v1.ControllerServiceCapability.RPC.Type').values['MODIFY_VOLUME'], 14);
  // protobufjs keeps file-level options on the package namespace.
  const goPackage: unknown = root.lookup('csi.v1')?.options?.['go_package'] ?? root.nestedArray[0]?.options?.['go_package'];
  assert.equal(goPackage, 'github.com/container-storage-interface/spec/lib/go/csi');
});

test('ControllerModifyVolume is GA as in upstream CSI v1.12/v1.13: no alpha option on it or its fields', () => {
  const root = loadCsiRoot();
  const alpha = (options: Record<string, unknown> | undefined): boolean =>
    Object.keys(options ?? {}).some((k) => k.includes('alpha_'));
  const field = (type: string, name: string) => root.lookupType(`csi.v1.${type}`).fields[name];
  for (const [type, name] of [
    ['CreateVolumeRequest', 'mutable_parameters'],
    ['ValidateVolumeCapabilitiesRequest', 'mutable_parameters'],
    ['ValidateVolumeCapabilitiesResponse.Confirmed', 'mutable_parameters'],
    ['ControllerModifyVolumeRequest', 'mutable_parameters'],
  ] as const) {
    const f = field(type, name);
    assert.ok(f, `${type}.${name}`);
    assert.equal(alpha(f.options), false, `${type}.${name} carries an alpha option`);
  }
  assert.equal(alpha(root.lookupType('csi.v1.ControllerModifyVolumeRequest').options), false);
  assert.equal(alpha(root.lookupType('csi.v1.ControllerModifyVolumeResponse').options), false);
  const method = root.lookupService('csi.v1.Controller').methods['ControllerModifyVolume'];
  assert.equal(alpha(method?.options), false);
  const rpcType = root.lookupEnum('csi.v1.ControllerServiceCapability.RPC.Type');
  assert.equal(alpha(rpcType.valuesOptions?.['MODIFY_VOLUME']), false);
  // Still alpha upstream: the check would catch the option if it were there.
  assert.equal(alpha(rpcType.valuesOptions?.['GET_SNAPSHOT']), true);
});

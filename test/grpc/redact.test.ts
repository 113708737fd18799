import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeniedName, isSecretField, REDACTED, redactMessage, requestRedactor } from '../../src/grpc/redact.js';
import type { Namespace, ReflectionObject, Type } from 'protobufjs';
import { loadCsiRoot } from '../../src/grpc/load.js';

function secretFieldsOf(object: ReflectionObject): string[] {
  const found: string[] = [];
  if ('fieldsArray' in object) {
    const type = object as Type;
    for (const field of type.fieldsArray) if (isSecretField(field)) found.push(`${type.name}.${field.name}`);
  }
  if ('nestedArray' in object) for (const child of (object as Namespace).nestedArray) found.push(...secretFieldsOf(child));
  return found;
}

test('csi_secret fields are discovered from csi.proto, not from a hand list', () => {
  const csi = loadCsiRoot().lookup('csi.v1');
  assert.ok(csi);
  const secretFields = secretFieldsOf(csi);
  assert.ok(secretFields.includes('CreateVolumeRequest.secrets'));
  assert.ok(secretFields.includes('NodePublishVolumeRequest.secrets'));
  assert.ok(secretFields.includes('NodeExpandVolumeRequest.secrets'));
  assert.ok(secretFields.includes('GetMetadataDeltaRequest.secrets'));
  assert.ok(!secretFields.includes('CreateVolumeRequest.parameters'));
  assert.ok(secretFields.length >= 17, `found only ${secretFields.length}`);
});

test('CreateVolumeRequest: secrets redacted, everything else copied', () => {
  const redact = requestRedactor('Controller', 'CreateVolume');
  const request = {
    name: 'pvc-1',
    capacity_range: { required_bytes: '1048576', limit_bytes: '0' },
    parameters: { compression: 'lz4' },
    secrets: { key: 'hunter2' },
    volume_capabilities: [{ mount: { fs_type: 'zfs', mount_flags: ['noatime'] }, access_type: 'mount' }],
  };
  const out = redact(request);
  assert.deepEqual(out, {
    name: 'pvc-1',
    capacity_range: { required_bytes: '1048576', limit_bytes: '0' },
    parameters: { compression: 'lz4' },
    secrets: REDACTED,
    volume_capabilities: [{ mount: { fs_type: 'zfs', mount_flags: REDACTED }, access_type: 'mount' }],
  });
  assert.equal(request.secrets.key, 'hunter2', 'the request itself is untouched');
  assert.ok(!JSON.stringify(out).includes('hunter2'));
});

test('NodePublishVolumeRequest: secrets, mount_flags and the service-account token are redacted', () => {
  const redact = requestRedactor('Node', 'NodePublishVolume');
  const out = redact({
    volume_id: 'v1',
    target_path: '/var/lib/kubelet/pods/x/volumes/y/mount',
    readonly: false,
    secrets: { password: 'p4ss' },
    volume_capability: { mount: { fs_type: '', mount_flags: ['user=bob,password=p4ss'] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } },
    volume_context: { 'csi.storage.k8s.io/serviceAccount.tokens': '{"aud":{"token":"eyJ"}}', 'csi.storage.k8s.io/pod.name': 'web-0' },
  });
  const text = JSON.stringify(out);
  for (const leaked of ['p4ss', 'eyJ', 'bob']) assert.ok(!text.includes(leaked), `${leaked} leaked: ${text}`);
  assert.ok(text.includes('web-0') && text.includes('SINGLE_NODE_WRITER') && text.includes('/var/lib/kubelet'));
});

test('the deny list covers names the proto does not mark', () => {
  assert.ok(isDeniedName('secrets'));
  assert.ok(isDeniedName('mount_flags'));
  assert.ok(isDeniedName('bearerToken'));
  assert.ok(isDeniedName('DB_PASSWORD'));
  assert.ok(!isDeniedName('volume_id'));
  const type = loadCsiRoot().lookupType('csi.v1.Topology');
  assert.deepEqual(redactMessage(type, { segments: { zone: 'a', api_token: 't' }, extra: { password: 'x' } }), {
    segments: { zone: 'a', api_token: REDACTED },
    extra: { password: REDACTED },
  });
});

test('an unknown method still gets the name-based redaction', () => {
  const redact = requestRedactor('Controller', 'NoSuchMethod');
  assert.deepEqual(redact({ secrets: { a: 'b' }, name: 'n' }), { secrets: REDACTED, name: 'n' });
});

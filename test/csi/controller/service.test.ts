import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setup } from './helpers.js';

/** The rpc names of service Controller in csi.proto. */
function protoControllerMethods(): string[] {
  const proto = readFileSync(new URL('../../../../csi-proto/csi.proto', import.meta.url), 'utf8');
  const body = /service Controller \{([\s\S]*?)\n\}/.exec(proto)?.[1] ?? '';
  return [...body.matchAll(/rpc (\w+)\s*\(/g)].map((m) => m[1] ?? '');
}

describe('controllerService', () => {
  it('serves every Controller RPC except publish/unpublish, with names from csi.proto', () => {
    const { svc } = setup();
    const rpcs = protoControllerMethods();
    assert.ok(rpcs.includes('CreateVolume'));
    for (const name of Object.keys(svc)) assert.ok(rpcs.includes(name), `${name} is a csi.proto Controller rpc`);
    const missing = rpcs.filter((r) => !(r in svc)).sort();
    assert.deepEqual(missing, ['ControllerPublishVolume', 'ControllerUnpublishVolume']);
  });

  it('takes locks only where CSI concurrency matters', () => {
    const { svc } = setup();
    const locked = Object.entries(svc).filter(([, m]) => m.lockKeys !== undefined).map(([n]) => n).sort();
    assert.deepEqual(locked, ['ControllerExpandVolume', 'ControllerModifyVolume', 'CreateSnapshot', 'CreateVolume', 'DeleteSnapshot', 'DeleteVolume']);
    // An empty key (missing field) takes no lock, so the call reaches validation and fails INVALID_ARGUMENT.
    assert.deepEqual(svc['CreateVolume']?.lockKeys?.({ name: '' } as never), []);
  });
});

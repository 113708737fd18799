import assert from 'node:assert/strict';
import { controllerService } from '../../../src/csi/controller/index.js';
import { DriverError } from '../../../src/domain/errors.js';
import { TOPOLOGY_NODE_KEY } from '../../../src/domain/types.js';
import type { ServiceImpl } from '../../../src/grpc/handler.js';
import type { CreateVolumeRequest__Output } from '../../../src/grpc/gen/csi/v1/CreateVolumeRequest.js';
import type {
  VolumeCapability__Output,
  _csi_v1_VolumeCapability_AccessMode_Mode__Output as AccessModeName,
} from '../../../src/grpc/gen/csi/v1/VolumeCapability.js';
import { FakeBackend, callContext } from './fake-backend.js';

export const GiB = 1n << 30n;

export function setup(defaultCapacityBytes?: bigint): { backend: FakeBackend; svc: ServiceImpl } {
  const backend = new FakeBackend();
  const svc = controllerService({
    backend,
    driverName: 'zfs.csi.dev',
    ...(defaultCapacityBytes === undefined ? {} : { defaultCapacityBytes }),
  });
  return { backend, svc };
}

/** Calls a method the way the gRPC adapter does (decoded request, call context). */
export async function invoke<Res>(svc: ServiceImpl, method: string, request: object): Promise<Res> {
  const spec = svc[method];
  assert.ok(spec, `method ${method} is served`);
  return (await spec.handle(request as never, callContext())) as Res;
}

export async function rejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DriverError, `expected a DriverError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export function mountCap(mode: AccessModeName = 'SINGLE_NODE_WRITER'): VolumeCapability__Output {
  return {
    mount: { fs_type: '', mount_flags: [], volume_mount_group: '' },
    access_mode: { mode },
    access_type: 'mount',
  };
}

export function topo(node: string): { segments: Record<string, string> } {
  return { segments: { [TOPOLOGY_NODE_KEY]: node } };
}

/** A CreateVolumeRequest as proto-loader decodes it with `defaults: true`. */
export function createReq(over: Partial<CreateVolumeRequest__Output> = {}): CreateVolumeRequest__Output {
  return {
    name: 'pvc-1',
    capacity_range: null,
    volume_capabilities: [mountCap()],
    parameters: {},
    secrets: {},
    volume_content_source: null,
    accessibility_requirements: null,
    mutable_parameters: {},
    ...over,
  };
}

export function range(required: bigint, limit = 0n): { required_bytes: string; limit_bytes: string } {
  return { required_bytes: required.toString(), limit_bytes: limit.toString() };
}

/**
 * Loads csi-proto/csi.proto at run time (DESIGN.md §2): the grpc-js service definitions for the server and
 * client, and the protobufjs reflection that redact.ts reads the `csi_secret` option from.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import { DriverError } from '../domain/errors.js';
import type { Root } from 'protobufjs';
import type { ControllerDefinition } from './gen/csi/v1/Controller.js';
import type { GroupControllerDefinition } from './gen/csi/v1/GroupController.js';
import type { IdentityDefinition } from './gen/csi/v1/Identity.js';
import type { NodeDefinition } from './gen/csi/v1/Node.js';
import type { SnapshotMetadataDefinition } from './gen/csi/v1/SnapshotMetadata.js';

/** The directory holding csi-proto/ (the repository, or the installed package); found by walking up. */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'csi-proto', 'csi.proto'))) return dir;
    if (dirname(dir) === dir) throw new DriverError('INTERNAL', `csi-proto/csi.proto not found above ${start}`);
  }
}

/** Works from src/grpc (tsc sources), dist/src/grpc (built) and node_modules/zfs-csi (installed). */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const CSI_PROTO_DIR: string = join(packageRoot, 'csi-proto');
export const CSI_PROTO_FILE = 'csi.proto';
export const CSI_PACKAGE = 'csi.v1';

// protobufjs is proto-loader's own dependency; resolve it from there so both use the same copy.
const requireFromLoader = createRequire(createRequire(import.meta.url).resolve('@grpc/proto-loader'));
const protobuf = requireFromLoader('protobufjs') as typeof import('protobufjs');
/** protobufjs ships google/protobuf/descriptor.proto (timestamp and wrappers are built in). */
const PROTOBUFJS_DIR = dirname(requireFromLoader.resolve('protobufjs/package.json'));

/** Must match the flags in scripts/gen-proto.mjs so the generated types describe these objects. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [CSI_PROTO_DIR, PROTOBUFJS_DIR],
};

export interface CsiServices {
  readonly Identity: IdentityDefinition;
  readonly Controller: ControllerDefinition;
  readonly Node: NodeDefinition;
  readonly GroupController: GroupControllerDefinition;
  readonly SnapshotMetadata: SnapshotMetadataDefinition;
}

export type CsiServiceName = keyof CsiServices;

function isServiceDefinition(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const methods = Object.values(value);
  return methods.length > 0 && methods.every((m: unknown) => typeof m === 'object' && m !== null && 'path' in m);
}

function service<T>(definition: protoLoader.PackageDefinition, name: CsiServiceName): T {
  const value: unknown = definition[`${CSI_PACKAGE}.${name}`];
  if (!isServiceDefinition(value)) throw new DriverError('INTERNAL', `${CSI_PACKAGE}.${name} is not a service in csi.proto`);
  // Shape checked above; the method types come from the generated code for this same file.
  return value as T;
}

let cachedServices: CsiServices | undefined;

/** The grpc-js service definitions of csi.v1, loaded once. */
export function loadCsiServices(): CsiServices {
  if (cachedServices) return cachedServices;
  const definition = protoLoader.loadSync(CSI_PROTO_FILE, LOADER_OPTIONS);
  cachedServices = {
    Identity: service(definition, 'Identity'),
    Controller: service(definition, 'Controller'),
    Node: service(definition, 'Node'),
    GroupController: service(definition, 'GroupController'),
    SnapshotMetadata: service(definition, 'SnapshotMetadata'),
  };
  return cachedServices;
}

let cachedRoot: Root | undefined;

/** protobufjs reflection of csi.proto (field names as written, options such as `(csi_secret)`), loaded once. */
export function loadCsiRoot(): Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  const includeDirs = [CSI_PROTO_DIR, PROTOBUFJS_DIR];
  root.resolvePath = (origin: string, target: string): string => {
    for (const dir of includeDirs) {
      const candidate = resolve(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(CSI_PROTO_FILE, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

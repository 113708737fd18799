/** The CSI Identity service: who the plugin is, what it offers, whether it is healthy (CSI "Identity"). */
import { describeError } from '../domain/errors.js';
import type { MethodSpec, ServiceImpl } from '../grpc/handler.js';
import type { GetPluginCapabilitiesRequest__Output } from '../grpc/gen/csi/v1/GetPluginCapabilitiesRequest.js';
import type { GetPluginCapabilitiesResponse } from '../grpc/gen/csi/v1/GetPluginCapabilitiesResponse.js';
import type { GetPluginInfoRequest__Output } from '../grpc/gen/csi/v1/GetPluginInfoRequest.js';
import type { GetPluginInfoResponse } from '../grpc/gen/csi/v1/GetPluginInfoResponse.js';
import type { PluginCapability } from '../grpc/gen/csi/v1/PluginCapability.js';
import type { ProbeRequest__Output } from '../grpc/gen/csi/v1/ProbeRequest.js';
import type { ProbeResponse } from '../grpc/gen/csi/v1/ProbeResponse.js';
import { CsiError, invalidArgument } from './errors.js';

export interface IdentityDeps {
  /** CSI driver name (DESIGN.md §1, default `zfs.csi.dev`). */
  readonly driverName: string;
  /** vendor_version: the package version. */
  readonly version: string;
  /** True when this process also serves the Controller service (controller and standalone modes). */
  readonly controller: boolean;
  /**
   * false while initialising (pool not yet scanned, state not loaded): Probe answers ready=false.
   * Throws when unhealthy: Probe answers FAILED_PRECONDITION.
   */
  readonly ready: () => Promise<boolean>;
}

/**
 * CSI GetPluginInfo: the name "MUST follow domain name notation format", at most 63 characters, starting
 * and ending with an alphanumeric, with dashes, dots and alphanumerics between.
 */
const DRIVER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;

export function checkDriverName(name: string): string {
  if (!DRIVER_NAME.test(name)) {
    throw invalidArgument(
      `driver name ${JSON.stringify(name)} is not a domain name of at most 63 characters (CSI GetPluginInfo)`,
    );
  }
  return name;
}

/**
 * Topology is always offered (a volume lives on one node's pool); online expansion because a quota grows
 * under a mounted dataset. CONTROLLER_SERVICE only where the Controller is served: a node-only plugin must
 * not claim it (CSI "Architecture", figure 4).
 */
export function pluginCapabilities(controller: boolean): PluginCapability[] {
  const caps: PluginCapability[] = [];
  if (controller) caps.push({ service: { type: 'CONTROLLER_SERVICE' } });
  caps.push({ service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } });
  caps.push({ volume_expansion: { type: 'ONLINE' } });
  return caps;
}

/**
 * CSI Probe: "ready" false while the plugin is initialising but healthy; an unhealthy plugin answers
 * FAILED_PRECONDITION (the spec's Probe error table). Logged at debug: livenessprobe calls it every few
 * seconds.
 */
function probe(ready: () => Promise<boolean>): MethodSpec<ProbeRequest__Output, ProbeResponse> {
  return {
    logLevel: 'debug',
    handle: async () => {
      let value: boolean;
      try {
        value = await ready();
      } catch (err) {
        throw new CsiError('FAILED_PRECONDITION', `plugin is not healthy: ${describeError(err).message}`, {
          cause: err,
        });
      }
      return { ready: { value } };
    },
  };
}

export function identityService(deps: IdentityDeps) {
  checkDriverName(deps.driverName);
  if (deps.version === '') throw invalidArgument('vendor version is required (CSI GetPluginInfo)');
  const info: GetPluginInfoResponse = { name: deps.driverName, vendor_version: deps.version, manifest: {} };
  const capabilities: GetPluginCapabilitiesResponse = { capabilities: pluginCapabilities(deps.controller) };
  const getInfo: MethodSpec<GetPluginInfoRequest__Output, GetPluginInfoResponse> = { handle: async () => info };
  const getCapabilities: MethodSpec<GetPluginCapabilitiesRequest__Output, GetPluginCapabilitiesResponse> = {
    handle: async () => capabilities,
  };
  return {
    GetPluginInfo: getInfo,
    GetPluginCapabilities: getCapabilities,
    Probe: probe(deps.ready),
  } satisfies ServiceImpl;
}

export type IdentityService = ReturnType<typeof identityService>;

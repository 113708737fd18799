/** Identity service commands: plugin-info, plugin-capabilities, probe. */
import type { PluginCapability__Output } from '../../grpc/gen/csi/v1/PluginCapability.js';
import type { ProbeResponse__Output } from '../../grpc/gen/csi/v1/ProbeResponse.js';
import { defineCommand, type Command } from './command.js';
import { capabilityLines, keyValues, pairs } from './format.js';

export function pluginCapabilityName(cap: PluginCapability__Output): string {
  if (cap.service) return `service: ${cap.service.type}`;
  if (cap.volume_expansion) return `volume_expansion: ${cap.volume_expansion.type}`;
  return 'unknown';
}

/** CSI: a Probe response without `ready` means ready. */
export function probeText(res: ProbeResponse__Output): string {
  if (res.ready === null) return 'ready: true (not reported; CSI treats that as ready)';
  return `ready: ${res.ready.value}`;
}

export const identityCommands: readonly Command[] = [
  defineCommand({
    name: 'plugin-info',
    summary: 'GetPluginInfo: the driver name, version and manifest.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.identity.GetPluginInfo(req, o),
    render: (res) =>
      keyValues([
        ['name', res.name],
        ['version', res.vendor_version],
        ['manifest', pairs(res.manifest)],
      ]),
  }),
  defineCommand({
    name: 'plugin-capabilities',
    summary: 'GetPluginCapabilities: the services and features the plugin offers.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.identity.GetPluginCapabilities(req, o),
    render: (res) => capabilityLines(res.capabilities.map(pluginCapabilityName)),
  }),
  defineCommand({
    name: 'probe',
    summary: 'Probe: whether the plugin is ready to serve.',
    flags: {},
    build: () => ({}),
    call: (c, req, o) => c.identity.Probe(req, o),
    render: probeText,
  }),
];

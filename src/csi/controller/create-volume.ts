import type { VolumeBackend } from '../../domain/backend.js';
import type { ContentSource, VolumeParams, VolumeRecord, VolumeSpec } from '../../domain/types.js';
import { withChange } from '../../domain/volume-change.js';
import type { CallContext, MethodSpec } from '../../grpc/handler.js';
import type { CreateVolumeRequest__Output } from '../../grpc/gen/csi/v1/CreateVolumeRequest.js';
import type { CreateVolumeResponse } from '../../grpc/gen/csi/v1/CreateVolumeResponse.js';
import type { TopologyRequirement__Output } from '../../grpc/gen/csi/v1/TopologyRequirement.js';
import { parseCapabilities } from '../capability.js';
import { alreadyExists, outOfRange, resourceExhausted } from '../errors.js';
import { requireName } from '../fields.js';
import { newVolumeId } from '../ids.js';
import { parseMutableParams } from '../mutable-params.js';
import { parseParams, sameParams } from '../params.js';
import { parseCapacityRange, sizeFor, withinRange, type CapacityRange } from '../size.js';
import { chooseNode, nodeAllowed, requireNodeAllowed } from '../topology.js';
import { parseContentSource, resolveSource, sameSource } from './content-source.js';
import type { ControllerContext } from './deps.js';
import { reportFor } from './placement.js';
import { volumeToProto } from './responses.js';

/** A CreateVolume request after validation: nothing here has touched the backend yet. */
interface CreateVolumeIntent {
  readonly name: string;
  readonly range: CapacityRange;
  readonly params: VolumeParams;
  readonly source: ContentSource | undefined;
  readonly topology: TopologyRequirement__Output | null;
}

function parseRequest(req: CreateVolumeRequest__Output): CreateVolumeIntent {
  const name = requireName(req.name, 'name');
  parseCapabilities(req.volume_capabilities);
  return {
    name,
    range: parseCapacityRange(req.capacity_range),
    // CSI CreateVolume: mutable_parameters take precedence over parameters; the volume is made with both.
    params: withChange(parseParams(req.parameters), parseMutableParams(req.mutable_parameters)),
    source: parseContentSource(req.volume_content_source),
    topology: req.accessibility_requirements,
  };
}

/**
 * Idempotency (CSI CreateVolume): same name, accessible from accessibility_requirements and compatible
 * arguments → the same volume, else ALREADY_EXISTS (the spec's error table lists accessibility_requirements
 * among what makes a volume incompatible: answering a volume on a node the CO did not allow would place the
 * pod where its data is not).
 */
function checkCompatible(existing: VolumeRecord, intent: CreateVolumeIntent): void {
  const conflicts: string[] = [];
  if (!nodeAllowed(intent.topology, existing.node)) {
    conflicts.push(`it lives on node ${existing.node}, which the requisite topology does not allow`);
  }
  if (!withinRange(existing.capacityBytes, intent.range)) {
    conflicts.push(`its capacity ${existing.capacityBytes} is outside the requested range`);
  }
  if (!sameSource(existing.source, intent.source)) conflicts.push('it has a different content source');
  if (!sameParams(existing.params, intent.params)) conflicts.push('it has different parameters');
  if (conflicts.length > 0) {
    throw alreadyExists(`volume ${JSON.stringify(intent.name)} exists (${existing.id}) but ${conflicts.join(', ')}`);
  }
}

interface Placement {
  readonly node: string;
  /** Fixed by the content source; undefined = chosen from the node's capacity reports. */
  readonly parent: string | undefined;
  readonly bytes: bigint;
  /** Restore anywhere: this snapshot of another node is copied to `node` first (issue #8). */
  readonly copyOf?: string;
}

/** Node, parent and size: next to the source for clones, by topology otherwise. */
async function place(ctx: ControllerContext, intent: CreateVolumeIntent): Promise<Placement> {
  if (intent.source === undefined) {
    const node = chooseNode(intent.topology, await ctx.backend.nodes());
    return { node, parent: undefined, bytes: sizeFor(intent.range, ctx.defaultCapacityBytes) };
  }
  const src = await resolveSource(ctx.backend, intent.source);
  // With no size requested a clone is as large as its source; a smaller one would not hold its data.
  const bytes = sizeFor(intent.range, src.minBytes);
  if (bytes < src.minBytes) {
    throw outOfRange(`requested size ${bytes} is smaller than the content source (${src.minBytes} bytes)`);
  }
  const live = await ctx.backend.nodes();
  const elsewhere = !nodeAllowed(intent.topology, src.node) || !live.includes(src.node);
  if (elsewhere && intent.source.kind === 'snapshot' && ctx.backend.copySnapshot) {
    // The snapshot's node is not allowed, or gone: restore on an allowed node from a copy (issue #8; a
    // replica's copy is already there when the node died).
    const node = chooseNode(intent.topology, live.filter((n) => n !== src.node));
    return { node, parent: undefined, bytes, copyOf: intent.source.snapshotId };
  }
  requireNodeAllowed(intent.topology, src.node);
  return { node: src.node, parent: src.parent, bytes };
}

/** The parent dataset to create under, after checking its space (RESOURCE_EXHAUSTED lets the CO reschedule). */
async function claimSpace(
  backend: VolumeBackend,
  placement: Placement,
  params: VolumeParams,
  signal: AbortSignal,
): Promise<string> {
  const wanted = placement.parent ?? params.parentDataset;
  const report = reportFor(await backend.capacity(placement.node, signal), placement.node, wanted);
  if (report === undefined) {
    throw resourceExhausted(
      `node ${placement.node} has no parent dataset${wanted === undefined ? '' : ` for ${wanted}`}`,
    );
  }
  if (report.availableBytes < placement.bytes) {
    throw resourceExhausted(
      `node ${placement.node} has ${report.availableBytes} bytes available under ${report.parent}, ${placement.bytes} requested`,
    );
  }
  return wanted ?? report.parent;
}

async function createVolume(
  ctx: ControllerContext,
  req: CreateVolumeRequest__Output,
  call: CallContext,
): Promise<CreateVolumeResponse> {
  const intent = parseRequest(req);
  const existing = await ctx.backend.findVolumeByName(intent.name);
  if (existing) {
    checkCompatible(existing, intent);
    // createVolume of an existing spec is idempotent: it returns at once when the volume is ready, and in
    // Kubernetes mode waits (bounded by the deadline) for a volume the agent is still making.
    return { volume: volumeToProto(await ctx.backend.createVolume(existing, call.signal)) };
  }
  const placement = await place(ctx, intent);
  const parent = await claimSpace(ctx.backend, placement, intent.params, call.signal);
  // Space first, then the copy; the copy lands in the volume's parent (a clone stays in its origin's pool).
  if (placement.copyOf !== undefined) await ctx.backend.copySnapshot?.(placement.copyOf, placement.node, parent, call.signal);
  const spec: VolumeSpec = {
    id: newVolumeId(),
    name: intent.name,
    node: placement.node,
    parent,
    capacityBytes: placement.bytes,
    params: intent.params,
    ...(intent.source === undefined ? {} : { source: intent.source }),
  };
  const record = await ctx.backend.createVolume(spec, call.signal);
  call.log.debug('volume created', { volumeId: record.id, node: record.node, bytes: String(record.capacityBytes) });
  return { volume: volumeToProto(record) };
}

export function createVolumeMethod(
  ctx: ControllerContext,
): MethodSpec<CreateVolumeRequest__Output, CreateVolumeResponse> {
  return {
    handle: (req, call) => createVolume(ctx, req, call),
    // CSI "Concurrency": one CreateVolume per name at a time; the key is taken before the first await.
    lockKeys: (req) => (req.name ? [`volume-name:${req.name}`] : []),
  };
}

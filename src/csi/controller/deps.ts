import type { VolumeBackend } from '../../domain/backend.js';
import { DEFAULT_CAPACITY_BYTES } from '../size.js';

/** What the Controller service is built from (composed in src/app/). */
export interface ControllerDeps {
  /** "Make this happen on that node" (DESIGN.md §2): in-process provisioner or custom resources. */
  readonly backend: VolumeBackend;
  /** CSI driver name (e.g. zfs.csi.dev); used in messages only, IDs never depend on it. */
  readonly driverName: string;
  /** Size of a volume whose request names no capacity; 1 GiB when absent. */
  readonly defaultCapacityBytes?: bigint;
  /**
   * Accepted for composition symmetry with the other services. Creation times come from the backend's
   * records (so a retried CreateSnapshot reports the original time), so the controller itself reads no clock.
   */
  readonly clock?: () => Date;
}

/** Deps with defaults filled in, as the RPC handlers use them. */
export interface ControllerContext {
  readonly backend: VolumeBackend;
  readonly driverName: string;
  readonly defaultCapacityBytes: bigint;
}

export function resolveDeps(deps: ControllerDeps): ControllerContext {
  return {
    backend: deps.backend,
    driverName: deps.driverName,
    defaultCapacityBytes: deps.defaultCapacityBytes ?? DEFAULT_CAPACITY_BYTES,
  };
}

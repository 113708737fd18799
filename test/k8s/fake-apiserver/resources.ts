/**
 * The resource types the fake serves. A custom resource behaves like one defined by a CRD with the status
 * subresource enabled; the built-in kinds (core `events`, `coordination.k8s.io/v1` `leases`) get the
 * flags their real registries have, as far as the driver can tell them apart.
 */
import { CSR_RESOURCE } from './csr.js';

export interface ResourceTypeSpec {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced?: boolean;
  /** CRD-style: `/status` exists, the main resource ignores status and the status endpoint all else. */
  readonly statusSubresource?: boolean;
  /** Custom resources: PUT needs metadata.resourceVersion (AllowUnconditionalUpdate=false). */
  readonly requireResourceVersionOnUpdate?: boolean;
  /** metadata.generation is kept (1 on create, +1 per spec change and on the first deletion mark). */
  readonly tracksGeneration?: boolean;
  /** Custom resources reject strategic-merge patches with 415; built-ins accept them (treated as merge). */
  readonly strategicMerge?: boolean;
  /**
   * When set, only these field-selector paths (plus metadata.name/namespace) are accepted, like a CRD's
   * `selectableFields`; unset means any dotted path is accepted.
   */
  readonly selectableFields?: readonly string[];
  /** Subresources besides the main one; default `status` when statusSubresource (CSRs add `approval`). */
  readonly subresources?: readonly Subresource[];
  /** A built-in registry strategy beyond the generic one (csr.ts). */
  readonly strategy?: 'csr';
}

export type Subresource = 'status' | 'approval';

export interface ResourceType extends Required<Omit<ResourceTypeSpec, 'selectableFields' | 'strategy'>> {
  readonly selectableFields: readonly string[] | undefined;
  readonly strategy: 'csr' | undefined;
  readonly apiVersion: string;
  readonly key: string;
}

export function customResource(group: string, version: string, plural: string, kind: string): ResourceTypeSpec {
  return {
    group, version, plural, kind,
    namespaced: false, statusSubresource: true, requireResourceVersionOnUpdate: true,
    tracksGeneration: true, strategicMerge: false,
  };
}

export const ZFS_CSI_GROUP = 'zfs.csi.dev';
export const ZFS_CSI_VERSION = 'v1alpha1';

export const ZFS_CSI_RESOURCES: readonly ResourceTypeSpec[] = [
  customResource(ZFS_CSI_GROUP, ZFS_CSI_VERSION, 'zfsvolumes', 'ZfsVolume'),
  customResource(ZFS_CSI_GROUP, ZFS_CSI_VERSION, 'zfssnapshots', 'ZfsSnapshot'),
  customResource(ZFS_CSI_GROUP, ZFS_CSI_VERSION, 'zfsnodes', 'ZfsNode'),
  customResource(ZFS_CSI_GROUP, ZFS_CSI_VERSION, 'zfstransfers', 'ZfsTransfer'),
  customResource(ZFS_CSI_GROUP, ZFS_CSI_VERSION, 'zfsreplications', 'ZfsReplication'),
];

const builtin = { namespaced: true, statusSubresource: false, requireResourceVersionOnUpdate: false,
  tracksGeneration: false, strategicMerge: true } as const;

export const BUILTIN_RESOURCES: readonly ResourceTypeSpec[] = [
  { group: '', version: 'v1', plural: 'events', kind: 'Event', ...builtin },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', ...builtin },
  // The transfer signer (docs/replication.md): its CA Secret, the CA bundle ConfigMap, the nodes' CSRs.
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', ...builtin },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', ...builtin },
  CSR_RESOURCE,
];

export function resolveType(spec: ResourceTypeSpec): ResourceType {
  const apiVersion = spec.group === '' ? spec.version : `${spec.group}/${spec.version}`;
  return {
    group: spec.group,
    version: spec.version,
    plural: spec.plural,
    kind: spec.kind,
    namespaced: spec.namespaced ?? false,
    statusSubresource: spec.statusSubresource ?? true,
    requireResourceVersionOnUpdate: spec.requireResourceVersionOnUpdate ?? true,
    tracksGeneration: spec.tracksGeneration ?? true,
    strategicMerge: spec.strategicMerge ?? false,
    selectableFields: spec.selectableFields,
    subresources: spec.subresources ?? ((spec.statusSubresource ?? true) ? ['status'] : []),
    strategy: spec.strategy,
    apiVersion,
    key: `${apiVersion}/${spec.plural}`,
  };
}

/** Registered types, looked up by `apiVersion/plural` as the routes see them. */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();

  register(spec: ResourceTypeSpec): ResourceType {
    const type = resolveType(spec);
    this.#types.set(type.key, type);
    return type;
  }

  lookup(apiVersion: string, plural: string): ResourceType | undefined {
    return this.#types.get(`${apiVersion}/${plural}`);
  }

  byApiVersion(apiVersion: string): ResourceType[] {
    return [...this.#types.values()].filter((t) => t.apiVersion === apiVersion);
  }

  all(): ResourceType[] {
    return [...this.#types.values()];
  }
}

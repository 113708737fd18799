/** The ZFS seam: everything the driver asks of ZFS. zfs/cli.ts implements it over the `zfs`/`zpool` CLI. */

/** Native or user (`zfs.csi.dev:key`) properties to set, values as ZFS takes them. */
export type ZfsProps = Readonly<Record<string, string>>;

/** One dataset or snapshot from `zfs get`: only properties that have a value are present. */
export interface DatasetInfo {
  readonly name: string;
  readonly props: ReadonlyMap<string, string>;
}

export interface ZfsCapabilities {
  readonly implementation: 'openzfs' | 'zfs-fuse';
  readonly version: string;
  /** Native properties this ZFS accepts (zfs-fuse has no `sync`, for example). */
  readonly properties: ReadonlySet<string>;
  /** `zfs set a=1 b=2` in one call (OpenZFS); zfs-fuse takes one property per call. */
  readonly multiSet: boolean;
}

export interface GetOptions {
  /** -r: the names and all their descendants (snapshots included). */
  readonly recursive?: boolean;
  /** -d N: descendants down to depth N (implies recursive). */
  readonly depth?: number;
}

export interface Zfs {
  capabilities(signal?: AbortSignal): Promise<ZfsCapabilities>;
  /** `zfs create -o k=v ... dataset` (one command, all properties). */
  create(dataset: string, props: ZfsProps, signal?: AbortSignal): Promise<void>;
  /** `zfs clone -o k=v ... snapshot dataset`. */
  clone(snapshot: string, dataset: string, props: ZfsProps, signal?: AbortSignal): Promise<void>;
  /** `zfs snapshot -o k=v ... dataset@snap`. */
  snapshot(snapshot: string, props: ZfsProps, signal?: AbortSignal): Promise<void>;
  /** `zfs destroy [-d] name`; never -r/-R. */
  destroy(name: string, options: { readonly defer?: boolean }, signal?: AbortSignal): Promise<void>;
  /**
   * `zfs set` (one call per property where the implementation needs it; those calls run concurrently, so
   * a caller that needs one property written after another makes two calls).
   */
  set(name: string, props: ZfsProps, signal?: AbortSignal): Promise<void>;
  mount(dataset: string, signal?: AbortSignal): Promise<void>;
  unmount(dataset: string, signal?: AbortSignal): Promise<void>;
  /** `zfs get -Hp -o name,property,value,source props names`. */
  get(
    names: readonly string[],
    props: readonly string[],
    options?: GetOptions,
    signal?: AbortSignal,
  ): Promise<DatasetInfo[]>;
  /** Health of an imported pool (ONLINE, DEGRADED, ...), undefined when the pool is not imported. */
  poolHealth(pool: string, signal?: AbortSignal): Promise<string | undefined>;
}

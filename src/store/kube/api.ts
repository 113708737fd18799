/**
 * The driver's only door to the API server: typed calls on its cluster-scoped custom resources and Events,
 * over @kubernetes/client-node 1.x, with failures turned into KubeErrors that carry a CSI code.
 */
import {
  ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig,
} from '@kubernetes/client-node';
import { DriverError, type ErrorCode } from '../../domain/errors.js';
import { GROUP, VERSION, type PLURAL } from './resources.js';

export type Plural = (typeof PLURAL)[keyof typeof PLURAL];

/** An API-server failure: the HTTP status when there was one, and the code a CSI caller should see. */
export class KubeError extends DriverError {
  constructor(code: ErrorCode, message: string, readonly httpStatus: number | undefined, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** 409 on create means the name is taken; on update it is a stale resourceVersion (retry: ABORTED). */
export function toKubeError(err: unknown, what: string, onConflict: ErrorCode = 'ABORTED'): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const status = typeof err.code === 'number' ? err.code : undefined;
    const code: ErrorCode =
      status === 404 ? 'NOT_FOUND'
      : status === 409 ? onConflict
      : status === 422 || status === 400 ? 'INVALID_ARGUMENT'
      : status === 429 ? 'UNAVAILABLE'
      : status !== undefined && status >= 500 ? 'UNAVAILABLE'
      : 'INTERNAL';
    return new KubeError(code, `${what}: HTTP ${status ?? '?'} ${messageOf(err.body)}`, status, { cause: err });
  }
  // Connection refused, DNS, TLS: the API server is not reachable right now.
  return new KubeError('UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

function messageOf(body: unknown): string {
  if (typeof body !== 'string') return '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Record<string, unknown>)['message'] === 'string') {
      return (parsed as Record<string, string>)['message'] ?? '';
    }
  } catch {
    // not JSON: show it as it came
  }
  return body.slice(0, 300);
}

const MERGE = (): ReturnType<typeof setHeaderOptions> => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface ListResult {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
}

export class KubeApi {
  readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async create(plural: Plural, body: object): Promise<unknown> {
    try {
      return (await this.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural, body })) as unknown;
    } catch (err) {
      throw toKubeError(err, `create ${plural}`, 'ALREADY_EXISTS');
    }
  }

  /** The object, or undefined when it does not exist. */
  async get(plural: Plural, name: string): Promise<unknown> {
    try {
      return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name })) as unknown;
    } catch (err) {
      const e = toKubeError(err, `get ${plural}/${name}`);
      if (e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  async list(plural: Plural, labelSelector?: string): Promise<ListResult> {
    try {
      const raw = (await this.custom.listClusterCustomObject({
        group: GROUP, version: VERSION, plural, ...(labelSelector ? { labelSelector } : {}),
      })) as unknown;
      const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const meta = (o['metadata'] ?? {}) as Record<string, unknown>;
      return {
        items: Array.isArray(o['items']) ? (o['items'] as unknown[]) : [],
        resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
      };
    } catch (err) {
      throw toKubeError(err, `list ${plural}`);
    }
  }

  /** RFC 7386 merge patch of spec/metadata. */
  async patch(plural: Plural, name: string, body: object): Promise<unknown> {
    try {
      return (await this.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural, name, body }, MERGE())) as unknown;
    } catch (err) {
      throw toKubeError(err, `patch ${plural}/${name}`);
    }
  }

  /** Merge patch of the status subresource. */
  async patchStatus(plural: Plural, name: string, status: object): Promise<unknown> {
    try {
      return (await this.custom.patchClusterCustomObjectStatus(
        { group: GROUP, version: VERSION, plural, name, body: { status } }, MERGE(),
      )) as unknown;
    } catch (err) {
      throw toKubeError(err, `patch ${plural}/${name}/status`);
    }
  }

  /** Deletes (the object stays while finalizers remain); gone already is not an error. */
  async delete(plural: Plural, name: string): Promise<void> {
    try {
      await this.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name });
    } catch (err) {
      const e = toKubeError(err, `delete ${plural}/${name}`);
      if (e.httpStatus !== 404) throw e;
    }
  }

  /** A Kubernetes Event about one of our objects (best effort: events never fail the operation). */
  async event(namespace: string, involved: { kind: string; name: string; uid?: string }, type: 'Normal' | 'Warning', reason: string, message: string, component: string): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${involved.name}.` },
          involvedObject: { apiVersion: `${GROUP}/${VERSION}`, kind: involved.kind, name: involved.name, ...(involved.uid ? { uid: involved.uid } : {}) },
          type, reason, message: message.slice(0, 1024),
          source: { component },
          firstTimestamp: now, lastTimestamp: now, count: 1,
        },
      });
    } catch {
      // Events are for people; losing one must not fail a reconcile.
    }
  }
}

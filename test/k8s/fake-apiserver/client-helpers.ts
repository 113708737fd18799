/**
 * How to talk to custom resources with @kubernetes/client-node 1.x, in one place.
 *
 * client-node 1.x sends PATCH bodies of CustomObjectsApi as `application/json-patch+json` unless told
 * otherwise (the generated code picks the first media type it lists). A merge patch therefore needs the
 * Content-Type overridden per call through a middleware option:
 *
 *   await api.patchClusterCustomObject({ group, version, plural, name, body: { spec: { x: 1 } } },
 *     setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
 *   await api.patchClusterCustomObjectStatus({ group, version, plural, name, body: { status: { phase: 'Ready' } } },
 *     setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
 *
 * Strategic merge is rejected for custom resources (415) by real servers and by the fake. Failures reject
 * with `ApiException` whose `code` is the HTTP status and whose `body` is the response text (a JSON
 * `Status`); `apiStatusOf` decodes it.
 */
import {
  ApiException, PatchStrategy, setHeaderOptions, type ConfigurationOptions, type CustomObjectsApi,
} from '@kubernetes/client-node';

export function mergePatchOptions(): ConfigurationOptions {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

export function jsonPatchOptions(): ConfigurationOptions {
  return setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
}

export interface ClusterObjectRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly name: string;
}

/** RFC 7386 merge patch of a cluster-scoped custom object (spec/metadata; status is ignored there). */
export async function mergePatchClusterObject(api: CustomObjectsApi, ref: ClusterObjectRef, patch: object): Promise<unknown> {
  const result: unknown = await api.patchClusterCustomObject({ ...ref, body: patch }, mergePatchOptions());
  return result;
}

/** RFC 7386 merge patch of the `/status` subresource (only `status` changes; generation stays). */
export async function mergePatchClusterObjectStatus(api: CustomObjectsApi, ref: ClusterObjectRef, patch: object): Promise<unknown> {
  const result: unknown = await api.patchClusterCustomObjectStatus({ ...ref, body: patch }, mergePatchOptions());
  return result;
}

export interface ApiStatusInfo {
  /** HTTP status code (404, 409, 410, ...). */
  readonly code: number;
  /** Status.reason ('NotFound', 'AlreadyExists', 'Conflict', 'Expired', ...), '' when the body had none. */
  readonly reason: string;
  readonly message: string;
}

/** The Kubernetes Status behind a client-node error, or undefined when the error is not an HTTP answer. */
export function apiStatusOf(err: unknown): ApiStatusInfo | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const code: unknown = err.code;
  if (typeof code !== 'number') return undefined;
  const raw: unknown = err.body;
  let body: unknown = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
  }
  const field = (key: string): string => {
    if (typeof body !== 'object' || body === null) return '';
    const value: unknown = (body as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : '';
  };
  return { code, reason: field('reason'), message: field('message') };
}

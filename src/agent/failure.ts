/**
 * How a reconcile failure is recorded (docs/kubernetes-mode.md, "Agent creates"): the gRPC code and message
 * in status, phase Failed for terminal codes (the controller gives up and cleans up) and Pending otherwise
 * (retried with backoff). API-server errors are not recorded: the status write would likely fail too.
 */
import { describeError, type ErrorCode } from '../domain/errors.js';
import type { ZfsVolumeStatus } from '../store/kube/resources.js';
import { KubeError } from '../store/kube/api.js';
import { isZfsError } from '../zfs/errors.js';

export const TERMINAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'ALREADY_EXISTS', 'RESOURCE_EXHAUSTED', 'OUT_OF_RANGE', 'NOT_FOUND', 'FAILED_PRECONDITION',
]);

export const isTerminal = (code: ErrorCode): boolean => TERMINAL_CODES.has(code);

export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly terminal: boolean;
}

/** True for failures of the API server itself: retried, never written to status. */
export const isApiFailure = (err: unknown): boolean => err instanceof KubeError;

/**
 * The code a failure is recorded with. A ZFS "not found" while the pool is away is UNAVAILABLE, not a
 * terminal NOT_FOUND (DESIGN.md §4 rule 6): the pool may come back.
 */
export async function failureOf(err: unknown, poolPresent: () => Promise<boolean>): Promise<Failure> {
  let { code, message } = describeError(err);
  if (isZfsError(err, 'not_found') && !(await poolPresent().catch(() => false))) {
    code = 'UNAVAILABLE';
    message = `pool unavailable: ${message}`;
  }
  return { code, message: message.slice(0, 1024), terminal: isTerminal(code) };
}

/**
 * The status patch for a failure. A Ready volume stays Ready (a failed expansion does not make it unusable),
 * and an Unavailable or Lost one keeps saying so (a failed delete does not make it Pending);
 * observedGeneration is written only for terminal failures, so a waiting controller sees "done, failed"
 * only when nothing more will happen for this generation.
 */
export function failureStatus(
  current: { readonly phase?: string } | undefined,
  failure: Failure,
  generation: number | undefined,
): Record<string, unknown> {
  const kept = current?.phase === 'Ready' || current?.phase === 'Unavailable' || current?.phase === 'Lost';
  const phase: ZfsVolumeStatus['phase'] = kept ? current.phase : failure.terminal ? 'Failed' : 'Pending';
  return {
    phase,
    code: failure.code,
    message: failure.message,
    ...(failure.terminal && generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

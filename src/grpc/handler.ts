import type { Logger } from 'winston';

/** What a CSI method implementation gets besides its request. Built by the gRPC adapter per call. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes or the server drains. Pass it to every await. */
  readonly signal: AbortSignal;
  /** Child logger carrying method, request id and volume/snapshot id; never log secrets with it. */
  readonly log: Logger;
  readonly requestId: string;
  /** The client's deadline, when it sent one. Long waits stay below it. */
  readonly deadline: Date | undefined;
}

/** One RPC: the handler plus what the adapter needs to know around it. */
export interface MethodSpec<Req, Res> {
  readonly handle: (request: Req, ctx: CallContext) => Promise<Res>;
  /**
   * Keys this call must hold exclusively (e.g. `volume-name:db`, `volume:vol-1`). A second call that
   * needs a held key fails at once with ABORTED (CSI §"Concurrency"). Taken before the first await.
   */
  readonly lockKeys?: (request: Req) => readonly string[];
  /** Level for the call's start/finish log lines; Probe uses debug so liveness checks do not flood logs. */
  readonly logLevel?: 'debug' | 'info';
}

/** A service implementation: method name (as in csi.proto) → spec. Missing methods answer UNIMPLEMENTED. */
export type ServiceImpl = Readonly<Record<string, MethodSpec<never, unknown>>>;

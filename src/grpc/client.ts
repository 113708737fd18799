/**
 * A small promise-based CSI client over the same proto loader, for `zfs-csi ctl`, the tests and the
 * benchmark. Every method: `(request, { deadlineMs? }) => Promise<response>`, typed by the generated code.
 */
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { DriverError, isErrorCode, type ErrorCode } from '../domain/errors.js';
import { loadCsiServices } from './load.js';
import { addressOf, socketPathOf } from './endpoint.js';

export interface CallOptions {
  /** Relative deadline in milliseconds; none when omitted. */
  readonly deadlineMs?: number;
}

/** One method of a generated `...Definition` interface, as a promise. */
export type UnaryMethod<D> =
  D extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer ResOut>
    ? (request: Req, options?: CallOptions) => Promise<ResOut>
    : never;

/** All named methods of a generated service definition (the index signature is dropped). */
export type PromiseClient<Def> = {
  readonly [K in keyof Def as string extends K ? never : K]: UnaryMethod<Def[K]>;
};

type Services = ReturnType<typeof loadCsiServices>;

export interface CsiClient {
  readonly identity: PromiseClient<Services['Identity']>;
  readonly controller: PromiseClient<Services['Controller']>;
  readonly node: PromiseClient<Services['Node']>;
  close(): void;
}

/** A failed call: `code` is the driver's name for it (INTERNAL for codes outside its vocabulary). */
export class CsiCallError extends DriverError {
  constructor(
    readonly method: string,
    /** The gRPC status code as received (e.g. 5 for NOT_FOUND). */
    readonly grpcCode: status,
    readonly details: string,
  ) {
    super(CsiCallError.codeName(grpcCode), `${method}: ${status[grpcCode] ?? grpcCode}: ${details}`);
  }

  /** The gRPC status name, e.g. "NOT_FOUND", "UNKNOWN", "CANCELLED". */
  get grpcCodeName(): string {
    return status[this.grpcCode] ?? String(this.grpcCode);
  }

  static codeName(code: status): ErrorCode {
    const name: unknown = status[code];
    return isErrorCode(name) ? name : 'INTERNAL';
  }
}

function unary<Req, ResOut>(
  client: Client,
  name: string,
  method: MethodDefinition<Req, unknown, unknown, ResOut>,
): (request: Req, options?: CallOptions) => Promise<ResOut> {
  return (request, options = {}) =>
    new Promise<ResOut>((resolve, reject) => {
      const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new Metadata(),
        callOptions,
        (err: ServiceError | null, response?: ResOut) => {
          if (err) reject(new CsiCallError(name, err.code, err.details));
          else if (response === undefined) reject(new CsiCallError(name, status.INTERNAL, 'empty response'));
          else resolve(response);
        },
      );
    });
}

function promiseClient<Def extends object>(client: Client, definition: Def): PromiseClient<Def> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    out[name] = unary(client, name, method as MethodDefinition<unknown, unknown, unknown, unknown>);
  }
  // Built from the definition's own keys and method types above.
  return out as PromiseClient<Def>;
}

/** Dials `unix:///abs/path.sock` (or a bare absolute path); one channel for all three services. */
export function createCsiClient(endpoint: string): CsiClient {
  const address = addressOf(socketPathOf(endpoint));
  const client = new Client(address, credentials.createInsecure());
  const services = loadCsiServices();
  return {
    identity: promiseClient(client, services.Identity),
    controller: promiseClient(client, services.Controller),
    node: promiseClient(client, services.Node),
    close: () => client.close(),
  };
}

/**
 * One `zfs-csi ctl` subcommand: its flags, a pure request builder (flags → CSI request), the RPC it calls and
 * how a person reads the response. Building is separate from calling so tests can pin every request.
 */
import type { CallOptions, CsiClient } from '../../grpc/client.js';
import type { AdminClient } from './admin-client.js';
import { flagHelp, type FlagSpecs, type FlagValues } from './flags.js';

export interface CommandSpec<Req, Res> {
  readonly name: string;
  readonly summary: string;
  readonly flags: FlagSpecs;
  /** Pure: flag values → request; throws UsageError for a bad combination. */
  readonly build: (flags: FlagValues) => Req;
  readonly call: (client: CsiClient, request: Req, options: CallOptions) => Promise<Res>;
  /** Human-readable output (without a trailing newline). */
  readonly render: (response: Res, request: Req) => string;
}

export interface Outcome {
  readonly response: unknown;
  readonly text: string;
}

/** What a prepared command runs with; the clients are made only when the command uses them. */
export interface CallContext {
  readonly csi: () => CsiClient;
  readonly admin: () => AdminClient;
  readonly options: CallOptions;
  /** A line of progress for a person (stderr), for commands that wait. */
  readonly progress: (line: string) => void;
}

/** A command with its request/response types hidden, so the registry can hold all of them in one list. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly flags: FlagSpecs;
  /** The one argument that is not a flag, as usage shows it (`DATASET`); absent: none is accepted. */
  readonly positional?: string;
  /** Builds the request from parsed flags (UsageError when they do not make one) and returns the call. */
  prepare(flags: FlagValues): (context: CallContext) => Promise<Outcome>;
}

export function defineCommand<Req, Res>(spec: CommandSpec<Req, Res>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    flags: spec.flags,
    prepare(flags) {
      const request = spec.build(flags);
      return async (context) => {
        const response = await spec.call(context.csi(), request, context.options);
        return { response, text: spec.render(response, request) };
      };
    },
  };
}

export function commandUsage(command: Pick<Command, 'name' | 'summary' | 'flags' | 'positional'>): string {
  const flags = Object.keys(command.flags).length > 0 ? `${flagHelp(command.flags)}\n` : '  (none)\n';
  const positional = command.positional === undefined ? '' : ` ${command.positional}`;
  return `Usage: zfs-csi ctl ${command.name}${positional} [flags]\n\n${command.summary}\n\nFlags:\n${flags}`;
}

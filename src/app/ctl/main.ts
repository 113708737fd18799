/**
 * `zfs-csi ctl`: a CSI client for people (like csc). Exit codes: 0 success, 1 the call failed
 * (`error: <CODE>: <details>` on stderr), 2 a bad command line (usage on stderr).
 */
import { createCsiClient, CsiCallError, type CsiClient } from '../../grpc/client.js';
import { socketPathOf } from '../../grpc/endpoint.js';
import { DriverError } from '../../domain/errors.js';
import { AdminClient, adminSocketOf } from './admin-client.js';
import { commandUsage, type CallContext, type Command } from './command.js';
import { COMMAND_GROUPS, findCommand } from './commands.js';
import { flagHelp, GLOBAL_FLAGS, parseFlags, splitCommand, UsageError, type FlagValues } from './flags.js';

export interface CtlIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const processIo: CtlIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

const DEFAULT_ENDPOINT = 'unix:///run/zfs-csi/csi.sock';
const DEFAULT_TIMEOUT_S = 30;

export function ctlUsage(): string {
  const width = Math.max(...COMMAND_GROUPS.flatMap(([, list]) => list.map((c) => c.name.length)));
  const groups = COMMAND_GROUPS.map(
    ([title, list]) => `${title}:\n${list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}`,
  ).join('\n\n');
  return `Usage: zfs-csi ctl [global flags] <command> [flags]\n\nTalks CSI to a running driver.\n\n${groups}\n\nGlobal flags (also accepted after the command):\n${flagHelp(GLOBAL_FLAGS)}\n\n\`zfs-csi ctl <command> --help\` shows a command's flags.\n`;
}

export interface Connection {
  readonly endpoint: string;
  readonly deadlineMs: number;
}

/** --endpoint / $CSI_ENDPOINT and --timeout, validated (UsageError). */
export function connectionOf(flags: FlagValues, env: NodeJS.ProcessEnv): Connection {
  const endpoint = flags.string('endpoint') ?? (env['CSI_ENDPOINT'] || DEFAULT_ENDPOINT);
  try {
    socketPathOf(endpoint);
  } catch (err) {
    if (err instanceof DriverError) throw new UsageError(`--endpoint: ${err.message}`);
    throw err;
  }
  const raw = flags.string('timeout');
  const seconds = raw === undefined ? DEFAULT_TIMEOUT_S : Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw ?? '1') || !(seconds > 0)) throw new UsageError('--timeout must be a number of seconds > 0');
  return { endpoint, deadlineMs: Math.round(seconds * 1000) };
}

/** `error: NOT_FOUND: volume x does not exist` for failed calls; the driver's words, not a stack. */
export function errorLine(err: unknown): string {
  // grpc-js appends an empty "Resolution note:" to connection failures; it says nothing to a person.
  if (err instanceof CsiCallError) return `error: ${err.grpcCodeName}: ${err.details.replace(/\s*Resolution note:\s*$/, '')}`;
  if (err instanceof DriverError) return `error: ${err.code}: ${err.message}`;
  return `error: INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
}

async function execute(command: Command, args: readonly string[], io: CtlIo): Promise<number> {
  let flags: FlagValues;
  let run: ReturnType<Command['prepare']>;
  let connection: Connection;
  try {
    flags = parseFlags(command.flags, args, command.positional !== undefined);
    if (flags.bool('help')) {
      io.out(commandUsage(command));
      return 0;
    }
    connection = connectionOf(flags, io.env);
    run = command.prepare(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`zfs-csi ctl ${command.name}: ${err.message}\n\n${commandUsage(command)}`);
    return 2;
  }
  let client: CsiClient | undefined;
  const context: CallContext = {
    csi: () => (client ??= createCsiClient(connection.endpoint)),
    admin: () => new AdminClient(adminSocketOf(flags, io.env, connection.endpoint), connection.deadlineMs),
    options: { deadlineMs: connection.deadlineMs },
    progress: (line) => io.err(`${line}\n`),
  };
  try {
    const { response, text } = await run(context);
    io.out(flags.bool('json') ? `${JSON.stringify(response, null, 2)}\n` : `${text}\n`);
    return 0;
  } catch (err) {
    io.err(`${errorLine(err)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}

export async function runCtl(argv: readonly string[], io: CtlIo = processIo): Promise<number> {
  const { command: name, args } = splitCommand(argv);
  if (name === undefined || name === 'help') {
    const asked = args.includes('--help') || args.includes('-h') || name === 'help';
    (asked ? io.out : io.err)(ctlUsage());
    return asked ? 0 : 2;
  }
  const command = findCommand(name);
  if (!command) {
    io.err(`zfs-csi ctl: unknown command ${JSON.stringify(name)}\n\n${ctlUsage()}`);
    return 2;
  }
  return execute(command, args, io);
}

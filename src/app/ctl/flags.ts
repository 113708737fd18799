/**
 * Flag parsing for `zfs-csi ctl` (node:util parseArgs, strict). Each command declares its flags; the
 * global ones (--endpoint, --timeout, --json, --help) are accepted before or after the command name.
 * Anything wrong with the command line is a UsageError: the CLI prints that command's usage and exits 2.
 */
import { parseArgs } from 'node:util';
import { parseSize, SizeError } from './size.js';

export class UsageError extends Error {}

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly multiple?: boolean;
  /** Shown in usage as `--flag VALUE`. */
  readonly value?: string;
  readonly required?: boolean;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export const GLOBAL_FLAGS: FlagSpecs = {
  endpoint: { type: 'string', value: 'URL', help: 'CSI endpoint (default $CSI_ENDPOINT or unix:///run/zfs-csi/csi.sock)' },
  timeout: { type: 'string', value: 'SECONDS', help: 'deadline for the call (default 30)' },
  json: { type: 'boolean', help: 'print the response as JSON' },
  help: { type: 'boolean', help: 'show help' },
};

type RawValue = string | boolean | (string | boolean)[] | undefined;

/** Typed, validating access to parsed flag values; every getter throws UsageError naming the flag. */
export class FlagValues {
  constructor(
    private readonly raw: Readonly<Record<string, RawValue>>,
    /** Arguments that are not flags, for the commands that take one (`ctl import DATASET`). */
    readonly positionals: readonly string[] = [],
  ) {}

  /** The last value of a string flag, or undefined when absent. */
  string(name: string): string | undefined {
    const v = this.raw[name];
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    return typeof last === 'string' ? last : undefined;
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
    return v;
  }

  bool(name: string): boolean {
    return this.raw[name] === true;
  }

  list(name: string): string[] {
    const v = this.raw[name];
    const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return all.filter((s): s is string => typeof s === 'string');
  }

  size(name: string): bigint | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    try {
      return parseSize(v);
    } catch (err) {
      if (err instanceof SizeError) throw new UsageError(`--${name}: ${err.message}`);
      throw err;
    }
  }

  /** A whole number ≥ 0 (CSI int32 fields such as max_entries). */
  count(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,10}$/.test(v) || Number(v) > 2 ** 31 - 1) throw new UsageError(`--${name} must be a whole number ≥ 0`);
    return Number(v);
  }

  /** `k=v` pairs of a repeatable flag; a key given twice is a mistake, not "last wins". */
  pairs(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of this.list(name)) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new UsageError(`--${name} ${JSON.stringify(item)} is not key=value`);
      const key = item.slice(0, eq);
      if (Object.hasOwn(out, key)) throw new UsageError(`--${name} ${key} is given twice`);
      out[key] = item.slice(eq + 1);
    }
    return out;
  }
}

/** Parses a command's arguments (its own flags plus the global ones); positionals only where allowed. */
export function parseFlags(specs: FlagSpecs, argv: readonly string[], allowPositionals = false): FlagValues {
  const options = Object.fromEntries(
    Object.entries({ ...GLOBAL_FLAGS, ...specs }).map(([name, s]) => [
      name,
      { type: s.type, multiple: s.multiple ?? false, ...(name === 'help' ? { short: 'h' } : {}) },
    ]),
  );
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return new FlagValues(parsed.values, parsed.positionals);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Splits `[global flags] command [args]`: the command is the first argument that is not a flag or its value. */
export function splitCommand(argv: readonly string[]): { command: string | undefined; args: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-')) return { command: arg, args: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    const name = arg.replace(/^--?/, '');
    if (GLOBAL_FLAGS[name]?.type === 'string') i++; // `--endpoint URL`: skip the value
  }
  return { command: undefined, args: [...argv] };
}

/** Usage lines for a set of flags, aligned. */
export function flagHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `--${name}${s.value ? ` ${s.value}` : ''}${s.multiple ? ' ...' : ''}`;
    return [left, `${s.help}${s.required ? ' (required)' : ''}`] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`).join('\n');
}

import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly json: boolean;
  /** Exit 1 when a target is missed (default: report and exit 0). */
  readonly strict: boolean;
  /** Samples per latency measure (items 1–4). */
  readonly n: number;
  /** Calls issued at once (item 5) and rounds of it. */
  readonly burst: number;
  readonly burstRounds: number;
  /** Volumes behind the start-up scan and the loaded RSS (items 6, 8). */
  readonly volumes: number;
  /** zfs processes at a time while making those volumes. */
  readonly createConcurrency: number;
  /** NodeGetVolumeStats calls (item 7). */
  readonly statsCalls: number;
  /** MiB of data behind the transfer figures, and rounds of the full transfer. */
  readonly transferMiB: number;
  readonly transferRounds: number;
  /** Print where the driver's time goes per latency call (ZFS_CSI_TRACE spans). */
  readonly trace: boolean;
  /** Run only the sections whose name contains one of these (case-insensitive); empty: all. */
  readonly only: readonly string[];
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--strict] [--n N] [--burst N] [--burst-rounds N]
                        [--volumes N] [--create-concurrency N] [--stats-calls N] [--transfer-mib N]
                        [--transfer-rounds N] [--trace] [--only WORD]...
  --quick   smoke run (N=5, one burst round, 100 volumes, 200 stats calls, 128 MiB transfers)
  --json    print the result as JSON instead of the table
  --strict  exit 1 when a target is missed
  --trace   also print, per latency call, where the driver's time goes (its ZFS_CSI_TRACE spans)
  --only    run only the sections whose name contains WORD (repeatable), e.g. --only latency --only kubernetes`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1 (got ${value})\n${USAGE}`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      n: { type: 'string' },
      burst: { type: 'string' },
      'burst-rounds': { type: 'string' },
      volumes: { type: 'string' },
      'create-concurrency': { type: 'string' },
      'stats-calls': { type: 'string' },
      'transfer-mib': { type: 'string' },
      'transfer-rounds': { type: 'string' },
      only: { type: 'string', multiple: true },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  return {
    quick,
    json: values.json,
    strict: values.strict,
    n: positive('n', values.n, quick ? 5 : 30),
    burst: positive('burst', values.burst, 100),
    burstRounds: positive('burst-rounds', values['burst-rounds'], quick ? 1 : 3),
    volumes: positive('volumes', values.volumes, quick ? 100 : 1000),
    createConcurrency: positive('create-concurrency', values['create-concurrency'], 16),
    statsCalls: positive('stats-calls', values['stats-calls'], quick ? 200 : 1000),
    transferMiB: positive('transfer-mib', values['transfer-mib'], quick ? 128 : 1024),
    transferRounds: positive('transfer-rounds', values['transfer-rounds'], quick ? 1 : 3),
    trace: values.trace,
    only: (values.only ?? []).map((w) => w.toLowerCase()),
  };
}

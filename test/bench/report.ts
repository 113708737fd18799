/** The benchmark's one table (DESIGN.md §7): measure | driver | raw zfs baseline | ratio | target | ok?. */

export type Unit = 'ms' | 'vol/s' | 'ops/s' | 'MiB' | 'MiB/s' | 'calls' | 'count' | 's';

export interface Figure {
  readonly value: number;
  readonly unit: Unit;
}

export interface Row {
  readonly measure: string;
  readonly driver: Figure | string;
  /** The raw `zfs` figure measured in the same run on the same pool, when there is one. */
  readonly raw?: Figure | string;
  /** driver / raw, when the target is a ratio. */
  readonly ratio?: number;
  readonly target: string;
  /** undefined: reported, no target to meet. */
  readonly ok?: boolean;
}

export const ms = (value: number): Figure => ({ value, unit: 'ms' });
export const fig = (value: number, unit: Unit): Figure => ({ value, unit });

export function formatFigure(f: Figure | string | undefined): string {
  if (f === undefined) return '—';
  if (typeof f === 'string') return f;
  if (!Number.isFinite(f.value)) return 'n/a';
  const digits = f.unit === 'calls' || f.unit === 'count' ? 0 : f.value >= 100 ? 0 : f.value >= 10 ? 1 : 2;
  return `${f.value.toFixed(digits)} ${f.unit}`;
}

const okText = (ok: boolean | undefined): string => (ok === undefined ? 'report' : ok ? 'yes' : 'NO');

export function renderTable(rows: readonly Row[]): string {
  const header = ['measure', 'driver', 'raw zfs baseline', 'ratio', 'target', 'ok?'];
  const cells = rows.map((r) => [
    r.measure,
    formatFigure(r.driver),
    formatFigure(r.raw),
    r.ratio === undefined || !Number.isFinite(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    okText(r.ok),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => `| ${c.map((s, i) => s.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

export interface BenchResult {
  readonly pool: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly notes: readonly string[];
  readonly rows: readonly Row[];
}

export const allOk = (rows: readonly Row[]): boolean => rows.every((r) => r.ok !== false);

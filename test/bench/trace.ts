/**
 * `npm run bench -- --trace` (issue #9): where the driver's time goes, per call, from the driver's own
 * spans (ZFS_CSI_TRACE=1, src/trace/trace.ts) beside the client's round trip. Spans are flat: `handler`
 * and the two log lines are the call's top level; exec, mount-gate and mount-table spans happen inside
 * the handler, and what the handler spends beyond them is the driver's own JavaScript.
 */
export interface TraceLine {
  readonly method: string;
  readonly code: string;
  readonly totalMs: number;
  /** Epoch ms when the driver's adapter began the call (0 from drivers that do not say). */
  readonly at: number;
  readonly spans: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}

/** Decodes a `{"trace": …}` line of the driver's stderr, or undefined for any other line. */
export function parseTraceLine(line: string): TraceLine | undefined {
  if (!line.startsWith('{"trace":')) return undefined;
  try {
    const t: unknown = (JSON.parse(line) as { trace?: unknown }).trace;
    if (typeof t !== 'object' || t === null) return undefined;
    const o = t as Record<string, unknown>;
    const spans = Array.isArray(o['spans']) ? o['spans'].flatMap((s: unknown) => {
      const x = s as Record<string, unknown>;
      return typeof x['name'] === 'string' && typeof x['ms'] === 'number' ? [{ name: x['name'], ms: x['ms'] }] : [];
    }) : [];
    if (typeof o['method'] !== 'string' || typeof o['totalMs'] !== 'number') return undefined;
    const at = typeof o['at'] === 'number' ? o['at'] : 0;
    return { method: o['method'], code: String(o['code']), totalMs: o['totalMs'], at, spans };
  } catch {
    return undefined;
  }
}

const TOP = new Set(['handler', 'log (call started)', 'log (call finished)']);
const f = (n: number): string => n.toFixed(2);

/**
 * The mean gap between the client sending each call and the driver's adapter starting it, when the client
 * gave its send times (one per traced call, same order) and the driver said when it started (`at`).
 */
function requestLeg(calls: readonly TraceLine[], starts: readonly number[] | undefined): number | undefined {
  if (starts === undefined || starts.length !== calls.length || calls.some((t) => t.at === 0)) return undefined;
  return calls.reduce((a, t, i) => a + t.at - (starts[i] ?? t.at), 0) / calls.length;
}

/** Text lines: the mean per call of every phase of `method`, given the client's mean round trip. */
export function breakdown(label: string, traces: readonly TraceLine[], method: string, clientMeanMs: number, starts?: readonly number[]): string[] {
  const calls = traces.filter((t) => t.method === method && t.code === 'OK');
  if (calls.length === 0) return [`trace ${label}: no traced calls of ${method}`];
  const n = calls.length;
  const sum = (g: (t: TraceLine) => number): number => calls.reduce((a, t) => a + g(t), 0) / n;
  const names = [...new Set(calls.flatMap((t) => t.spans.map((s) => s.name)))];
  const per = (name: string): { ms: number; count: number } => ({
    ms: sum((t) => t.spans.filter((s) => s.name === name).reduce((a, s) => a + s.ms, 0)),
    count: sum((t) => t.spans.filter((s) => s.name === name).length),
  });
  const server = sum((t) => t.totalMs);
  const handler = per('handler').ms;
  const inner = names.filter((x) => !TOP.has(x)).map((x) => ({ name: x, ...per(x) })).sort((a, b) => b.ms - a.ms);
  const innerMs = inner.filter((x) => !x.name.startsWith('mount table parse')).reduce((a, x) => a + x.ms, 0);
  const logs = per('log (call started)').ms + per('log (call finished)').ms;
  const before = requestLeg(calls, starts);
  const legs = before === undefined ? '' : ` (before the handler ${f(before)}, after it ${f(clientMeanMs - server - before)})`;
  return [
    `trace ${label} (${n} calls, mean ms per call): client round trip ${f(clientMeanMs)} = gRPC transport, client and server decoding ${f(clientMeanMs - server)}${legs} + server ${f(server)}`,
    `  server ${f(server)} = logging ${f(logs)} + handler ${f(handler)} + adapter rest ${f(server - logs - handler)}`,
    ...inner.map((x) => `  handler: ${x.name} ${f(x.ms)} (${x.count.toFixed(1)}×)`),
    `  handler: driver JavaScript beyond those ${f(handler - innerMs)}`,
  ];
}

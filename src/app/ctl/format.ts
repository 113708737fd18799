/** Plain-text layout for `zfs-csi ctl` output: aligned key/value blocks and tables. */

/** `key: value` lines with the values aligned; rows whose value is undefined are left out. */
export function keyValues(rows: readonly (readonly [string, string | undefined])[]): string {
  const present = rows.filter((r): r is readonly [string, string] => r[1] !== undefined);
  const width = Math.max(0, ...present.map(([k]) => k.length + 1));
  return present.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
}

/** A table with a header row; columns are as wide as their widest cell. An empty list says so. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `k=v, k2=v2` (sorted), or `-` for an empty map. */
export function pairs(map: Readonly<Record<string, string>> | null | undefined): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k}=${map?.[k] ?? ''}`).join(', ');
}

/** google.protobuf.Timestamp as ISO 8601 (UTC), or `-` when absent. */
export function timestamp(ts: { readonly seconds: string; readonly nanos: number } | null | undefined): string {
  if (!ts) return '-';
  const ms = BigInt(ts.seconds) * 1000n + BigInt(Math.floor(ts.nanos / 1e6));
  return new Date(Number(ms)).toISOString();
}

interface TopologyOut {
  readonly segments: Readonly<Record<string, string>>;
}

/** A list of topologies as `k=v; k=v`, or `-`. */
export function topologies(list: readonly (TopologyOut | null)[] | null | undefined): string {
  const items = (list ?? []).filter((t): t is TopologyOut => t !== null).map((t) => pairs(t.segments));
  return items.length === 0 ? '-' : items.join('; ');
}

interface ContentSourceOut {
  readonly snapshot?: { readonly snapshot_id: string } | null;
  readonly volume?: { readonly volume_id: string } | null;
}

export function contentSource(source: ContentSourceOut | null | undefined): string {
  if (source?.snapshot) return `snapshot ${source.snapshot.snapshot_id}`;
  if (source?.volume) return `volume ${source.volume.volume_id}`;
  return '-';
}

/** A volume condition: `ok`, or `ABNORMAL: message`; `-` when the driver does not report it. */
export function condition(c: { readonly abnormal: boolean; readonly message: string } | null | undefined): string {
  if (!c) return '-';
  if (c.abnormal) return `ABNORMAL: ${c.message}`;
  return c.message === '' ? 'ok' : `ok (${c.message})`;
}

/** Enum values of an RPC capability list, one per line (`UNKNOWN` when the driver sent an unknown kind). */
export function capabilityLines(types: readonly string[]): string {
  return types.length === 0 ? '(none)' : types.join('\n');
}

import { CsiError, invalidArgument } from './errors.js';

/**
 * ListVolumes / ListSnapshots paging (DESIGN.md §5): the token names the last ID returned, and the next page
 * is every entry with a greater ID, so inserts and deletes between calls never skip or repeat an entry
 * (an offset would).
 */
const TOKEN_PREFIX = 'v1:';

export interface Page<T> {
  readonly entries: readonly T[];
  /** '' when this is the last page. */
  readonly nextToken: string;
}

export function encodeToken(lastId: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${lastId}`, 'utf8').toString('base64url');
}

/** The ID a token names; ABORTED when the token is not one of ours (CSI: "invalid starting_token"). */
export function decodeToken(token: string, isId: (id: string) => boolean): string {
  const aborted = new CsiError('ABORTED', `starting_token ${JSON.stringify(token)} is not valid`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw aborted;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) throw aborted;
  const id = text.slice(TOKEN_PREFIX.length);
  // Re-encoding must give the same token, so trailing junk and non-canonical encodings are refused.
  if (!isId(id) || encodeToken(id) !== token) throw aborted;
  return id;
}

/** max_entries: negative → INVALID_ARGUMENT; 0 → no limit (CSI ListVolumes). */
export function checkMaxEntries(maxEntries: number | null | undefined): number {
  const n = maxEntries ?? 0;
  if (!Number.isInteger(n) || n < 0) throw invalidArgument('max_entries must not be negative');
  return n;
}

/** A validated page request: how many entries (0 = all) and the ID the previous page ended at. */
export interface PageRequest {
  readonly maxEntries: number;
  readonly after: string | undefined;
}

/** Validates max_entries and starting_token before anything is read (INVALID_ARGUMENT / ABORTED). */
export function parsePageRequest(
  request: { readonly max_entries?: number | null; readonly starting_token?: string | null },
  isId: (id: string) => boolean,
): PageRequest {
  const maxEntries = checkMaxEntries(request.max_entries);
  const token = request.starting_token ?? '';
  return { maxEntries, after: token === '' ? undefined : decodeToken(token, isId) };
}

/** One page of items ordered by ID, starting after the request's ID. */
export function paginate<T>(items: readonly T[], idOf: (item: T) => string, request: PageRequest): Page<T> {
  const sorted = [...items].sort((a, b) => compareIds(idOf(a), idOf(b)));
  const after = request.after;
  const rest = after === undefined ? sorted : sorted.filter((item) => compareIds(idOf(item), after) > 0);
  const max = request.maxEntries;
  if (max === 0 || rest.length <= max) return { entries: rest, nextToken: '' };
  const entries = rest.slice(0, max);
  const last = entries[entries.length - 1];
  return { entries, nextToken: last === undefined ? '' : encodeToken(idOf(last)) };
}

/** Code-unit order, the same in every process (localeCompare is not). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Which copy of an object is the newest, decided without comparing resourceVersions. Kubernetes calls
 * them opaque ("clients must not assume they are monotonic or comparable",
 * api-conventions.md#concurrency-control-and-consistency); what it does promise is that one watch
 * delivers the changes of an object in the order they happened. So:
 *
 * - A watch event is newer than every earlier watch event.
 * - A write's answer (resourceVersion X) is newer than everything the watch has delivered, unless the watch
 *   already delivered X, in which case the watch is at X or past it and the answer is stale.
 * - After applying an answer X that the watch has not delivered yet, every watch event before X's echo is
 *   older than X and is ignored; the echo and everything after it apply again.
 * - A relist is the whole truth and resets everything.
 *
 * Guards the case where a slow write answer (or a watch event lagging an observed write) would overwrite a
 * newer copy — e.g. a deletion mark — with an older one, and no later event would ever correct it.
 */

/** How many resourceVersions of one object the watch delivered that are remembered. */
const REMEMBERED = 32;

interface Track {
  /** resourceVersions the watch delivered for this object, oldest first. */
  readonly delivered: string[];
  /** A write answer applied before the watch delivered it: watch events are ignored until its echo. */
  awaiting: string | undefined;
  /** Watch events ignored while awaiting; past REMEMBERED the echo is taken as lost and waiting stops. */
  ignored: number;
}

export type Verdict = 'apply' | 'ignore';

export class WatchOrder {
  private readonly tracks = new Map<string, Track>();
  /** Counts relists; a write that spans one is answered by the list itself (see answered). */
  private relists = 0;

  /** Taken before a write is sent and handed back with its answer. */
  get epoch(): number {
    return this.relists;
  }

  private track(name: string): Track {
    let t = this.tracks.get(name);
    if (t === undefined) {
      t = { delivered: [], awaiting: undefined, ignored: 0 };
      this.tracks.set(name, t);
    }
    return t;
  }

  /** A watch ADDED/MODIFIED event for `name` at resourceVersion `rv`. */
  watched(name: string, rv: string | undefined): Verdict {
    const t = this.track(name);
    if (rv !== undefined) {
      t.delivered.push(rv);
      if (t.delivered.length > REMEMBERED) t.delivered.shift();
    }
    if (t.awaiting === undefined) return 'apply';
    if (rv === t.awaiting || ++t.ignored > REMEMBERED) {
      t.awaiting = undefined;
      t.ignored = 0;
      return 'apply';
    }
    return 'ignore';
  }

  /**
   * The answer of this process's own write for `name`, at resourceVersion `rv`, sent at `epoch`. When a
   * relist happened meanwhile, the list may already hold this write or a later one, and its watch starts
   * after it: the answer can only be stale or redundant.
   */
  answered(name: string, rv: string | undefined, epoch: number): Verdict {
    if (rv === undefined || epoch !== this.relists) return 'ignore';
    const t = this.track(name);
    if (t.delivered.includes(rv)) return 'ignore';
    t.awaiting = rv;
    t.ignored = 0;
    return 'apply';
  }

  /** The object is gone (watch DELETED, or absent from a relist). */
  deleted(name: string): void {
    this.tracks.delete(name);
  }

  /** A fresh list replaced the cache: nothing remembered before it still matters. */
  relisted(): void {
    this.tracks.clear();
    this.relists++;
  }
}

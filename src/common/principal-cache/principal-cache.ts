/** Settings of the principal cache. */
export interface PrincipalCacheOptions {
  /** Entries kept at most; the least recently used goes first. 0 switches the cache off. */
  maxEntries: number;
  /** The longest an entry is trusted, whatever its own expiry says (milliseconds). */
  ttlMs: number;
}

/**
 * What a drop was for: a change to one row of a kind `authTag` names, a `*` announcement
 * (`all`), the change channel going down or up (`channel`), or a tag of no known kind (`other`).
 * A closed set: the metrics label by it.
 */
export const INVALIDATION_KINDS = [
  'user',
  'session',
  'api_key',
  'signing_key',
  'all',
  'channel',
  'other',
] as const;
export type InvalidationKind = (typeof INVALIDATION_KINDS)[number];

/** What the cache has done: for metrics and tests. Every eviction is counted. */
export interface PrincipalCacheStats {
  entries: number;
  hits: number;
  misses: number;
  /** Entries dropped to stay within maxEntries. */
  evictions: number;
  /** Entries dropped because a change to what they were read from was announced. */
  invalidations: number;
  /** Changes announced (an invalidate or a flush), by what they named, whatever they dropped. */
  invalidationsByKind: Record<InvalidationKind, number>;
  /** Lookups answered "not cached" because the change channel was down. */
  bypassed: number;
  /** Fills refused because a change was announced while they were being read. */
  staleFillsRefused: number;
  /** Whether changes reach this instance, so that cached entries may be trusted. */
  live: boolean;
}

/** Taken before reading from the database; a fill with an outdated ticket is refused. */
export type FillTicket = number;

interface Entry {
  value: unknown;
  expiresAt: number;
  tags: readonly string[];
}

/**
 * What authentication reads on every request (session and user state, an API key and its
 * owner), kept in process so that a warm request needs no database round trip. It may only be
 * trusted while every change to those rows reaches it: a change is announced as a tag
 * (`user:<id>`, `session:<id>`, `api_key:<keyId>`, `signing_key:<kid>`), which drops every entry
 * read from that row. While the change channel is down (`setLive(false)`), lookups miss and fills
 * are refused: the database answers, never a possibly stale entry; going down or up flushes.
 *
 * A read that was under way while a change was announced could store what it read before the
 * change: every fill carries the ticket taken before its read, and any announcement since
 * refuses it (a global counter: rare changes, so refusing a few unrelated fills costs little).
 */
export class PrincipalCache {
  /** Map order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly byTag = new Map<string, Set<string>>();
  private generation = 0;
  private live = false;
  private readonly counters = {
    hits: 0,
    misses: 0,
    evictions: 0,
    invalidations: 0,
    bypassed: 0,
    staleFillsRefused: 0,
  };
  private readonly byKind = Object.fromEntries(INVALIDATION_KINDS.map((kind) => [kind, 0])) as {
    [kind in InvalidationKind]: number;
  };

  constructor(
    private readonly options: PrincipalCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** For a layer whose host passes no cache: every lookup goes to the database. */
  static disabled(): PrincipalCache {
    return new PrincipalCache({ maxEntries: 0, ttlMs: 0 });
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /** The cached value, or undefined: not cached, expired, or the channel is down. */
  get<T>(key: string): T | undefined {
    if (!this.enabled) return undefined;
    if (!this.live) {
      this.counters.bypassed += 1;
      return undefined;
    }
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.remove(key);
      this.counters.misses += 1;
      return undefined;
    }
    this.entries.delete(key); // re-insert: most recently used
    this.entries.set(key, entry);
    this.counters.hits += 1;
    return entry.value as T;
  }

  /** Call before reading what will be stored. */
  ticket(): FillTicket {
    return this.generation;
  }

  /**
   * Stores what was read, until `expiresAt` (epoch ms) or the TTL ceiling, whichever is first;
   * refused when a change was announced since `ticket` or the channel is down.
   */
  set(
    key: string,
    value: unknown,
    meta: { tags: readonly string[]; expiresAt?: number },
    ticket: FillTicket,
  ): void {
    if (!this.enabled || !this.live) return;
    if (ticket !== this.generation) {
      this.counters.staleFillsRefused += 1;
      return;
    }
    const expiresAt = Math.min(meta.expiresAt ?? Infinity, this.now() + this.options.ttlMs);
    if (expiresAt <= this.now()) return;
    this.remove(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
      this.counters.evictions += 1;
    }
    this.entries.set(key, { value, expiresAt, tags: meta.tags });
    for (const tag of meta.tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  /** A change to the row named by `tag` was committed: every entry read from it goes. */
  invalidate(tag: string): void {
    this.generation += 1;
    this.byKind[kindOf(tag)] += 1;
    const keys = this.byTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) {
      this.remove(key);
      this.counters.invalidations += 1;
    }
  }

  /** Drops everything (a change we cannot attribute, or the channel changed state). */
  flush(kind: 'all' | 'channel' = 'all'): void {
    this.generation += 1;
    this.byKind[kind] += 1;
    this.counters.invalidations += this.entries.size;
    this.entries.clear();
    this.byTag.clear();
  }

  /** Down: bypass and flush (changes may be missed from now on). Up: flush, then trust fills. */
  setLive(live: boolean): void {
    if (live === this.live) return;
    this.flush('channel');
    this.live = live;
  }

  get isLive(): boolean {
    return this.live;
  }

  stats(): PrincipalCacheStats {
    return {
      ...this.counters,
      invalidationsByKind: { ...this.byKind },
      entries: this.entries.size,
      live: this.live,
    };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}

const TAG_KINDS: ReadonlySet<string> = new Set(['user', 'session', 'api_key', 'signing_key']);

function kindOf(tag: string): InvalidationKind {
  const kind = tag.slice(0, tag.indexOf(':'));
  return TAG_KINDS.has(kind) ? (kind as InvalidationKind) : 'other';
}

/** Tags that name the rows authentication reads; the database triggers announce the same. */
export const authTag = {
  user: (id: string) => `user:${id}`,
  session: (id: string) => `session:${id}`,
  apiKey: (keyId: string) => `api_key:${keyId}`,
  signingKey: (kid: string) => `signing_key:${kid}`,
};

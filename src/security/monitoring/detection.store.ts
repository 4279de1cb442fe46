import type Redis from 'ioredis';

/**
 * The counters detection needs, per fixed window: how many times, how many distinct members,
 * and "is this the first alert of its episode". In process by default; through Redis when the
 * instances must see each other's attempts (a stuffing run spread over instances behind a load
 * balancer is one run).
 */
export interface DetectionStore {
  /** Adds one to `key` in the current window of `windowMs`; resolves the window's count. */
  count(key: string, windowMs: number): Promise<number>;
  /** Adds `member` to `key`'s set in the current window; resolves the number of distinct members. */
  distinct(key: string, member: string, windowMs: number): Promise<number>;
  /** True once per `episodeMs` for `key`: the alert fires, later calls in the episode do not. */
  firstOfEpisode(key: string, episodeMs: number): Promise<boolean>;
}

const windowOf = (windowMs: number, now: number): number => Math.floor(now / windowMs);

interface Entry {
  expiresAt: number;
  count: number;
  members?: Set<string>;
}

/**
 * In-process store: a Map bounded in entries (the oldest go first when full) and in members per
 * set (`maxMembers`: a threshold needs no more than threshold + 1 to be crossed).
 */
export class InMemoryDetectionStore implements DetectionStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxMembers = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  count(key: string, windowMs: number): Promise<number> {
    const entry = this.entry(`${key}:${windowOf(windowMs, this.now())}`, windowMs);
    entry.count += 1;
    return Promise.resolve(entry.count);
  }

  distinct(key: string, member: string, windowMs: number): Promise<number> {
    const entry = this.entry(`${key}:${windowOf(windowMs, this.now())}`, windowMs);
    entry.members ??= new Set();
    if (entry.members.size < this.maxMembers) entry.members.add(member);
    return Promise.resolve(entry.members.size);
  }

  firstOfEpisode(key: string, episodeMs: number): Promise<boolean> {
    const now = this.now();
    const existing = this.entries.get(`episode:${key}`);
    if (existing && existing.expiresAt > now) return Promise.resolve(false);
    this.entry(`episode:${key}`, episodeMs);
    return Promise.resolve(true);
  }

  /** Entries held now (for the bound's test). */
  get size(): number {
    return this.entries.size;
  }

  private entry(key: string, ttlMs: number): Entry {
    const now = this.now();
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > now) return existing;
    if (existing) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict(now);
    const created: Entry = { expiresAt: now + ttlMs, count: 0 };
    this.entries.set(key, created);
    return created;
  }

  /** Expired entries first; if none, the oldest inserted (Map keeps insertion order). */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    if (this.entries.size < this.maxEntries) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}

const PREFIX = 'wx:detect:';

/** Shared store: one round trip per call (MULTI), every key expiring with its window. */
export class RedisDetectionStore implements DetectionStore {
  constructor(private readonly redis: Redis) {}

  async count(key: string, windowMs: number): Promise<number> {
    const name = `${PREFIX}c:${key}:${windowOf(windowMs, Date.now())}`;
    const result = await this.redis.multi().incr(name).pexpire(name, windowMs).exec();
    return Number(result?.[0]?.[1] ?? 0);
  }

  async distinct(key: string, member: string, windowMs: number): Promise<number> {
    const name = `${PREFIX}d:${key}:${windowOf(windowMs, Date.now())}`;
    const result = await this.redis
      .multi()
      .sadd(name, member)
      .pexpire(name, windowMs)
      .scard(name)
      .exec();
    return Number(result?.[2]?.[1] ?? 0);
  }

  async firstOfEpisode(key: string, episodeMs: number): Promise<boolean> {
    const set = await this.redis.set(`${PREFIX}e:${key}`, '1', 'PX', episodeMs, 'NX');
    return set === 'OK';
  }
}

import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  JsonWebKey,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
} from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from '../jwt-auth.options';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption';
import { CLOCK_SKEW_SECONDS, KeyState, RingKey, hs256Kid } from './ring-key';

interface KeyRow {
  kid: string;
  alg: 'ES256';
  state: KeyState;
  public_jwk: JsonWebKey;
  private_key_encrypted: Buffer;
  created_at: Date;
  verify_until: Date | null;
}

/** A summary of the ring, safe to print: kids, states and dates only. */
export interface RingStatus {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: Date;
  verifyUntil: Date | null;
}

/** Rotation refused because the next key has not been in the JWKS for a full cache lifetime. */
export class RotationTooEarlyError extends Error {}

// Serialises ring changes across instances (rotate, revoke, first start).
const RING_LOCK = 7_310_115;
// An unknown kid re-reads the ring at most this often: random kids cannot flood the database.
const RELOAD_MIN_INTERVAL_MS = 1000;

/**
 * The signing-key ring, shared by every instance through the `signing_keys` table. This
 * instance caches the keys it can use; revocation does not depend on that cache: every
 * request's session query also checks the key's state (see JwtStrategy).
 */
@Injectable()
export class SigningKeyRing implements OnModuleInit {
  private readonly logger = new Logger('SigningKeyRing');
  private keys = new Map<string, RingKey>();
  private currentKid: string | undefined;
  private lastReload = 0;
  private reloading: Promise<void> | undefined;
  private readonly optionsKey: RingKey | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(JWT_AUTH_OPTIONS) private readonly options: JwtAuthOptions,
  ) {
    this.optionsKey = options.secret ? hs256Key(options.secret) : undefined;
  }

  /** First start: a current and a next key, made once however many instances start together. */
  async onModuleInit(): Promise<void> {
    await this.locked(async (m) => {
      await this.fillRing(m);
    });
    await this.reload();
  }

  /** The algorithms any key of this ring may use (passport-jwt's allow-list). */
  algorithms(): Array<'ES256' | 'HS256'> {
    return this.optionsKey ? ['ES256', 'HS256'] : ['ES256'];
  }

  /**
   * The key to sign with now. The database says which key is current (one indexed read at
   * login and refresh), so an instance never keeps signing with a key another one retired.
   */
  async signingKey(manager?: EntityManager): Promise<RingKey> {
    if (this.optionsKey) return this.optionsKey;
    const rows = await (manager ?? this.dataSource.manager).query<{ kid: string }[]>(
      `SELECT kid FROM signing_keys WHERE state = 'current'`,
    );
    const kid = rows[0]?.kid;
    if (kid !== this.currentKid || !kid || !this.keys.has(kid)) await this.reload(manager);
    const key = this.currentKid ? this.keys.get(this.currentKid) : undefined;
    if (!key) throw new Error('JwtAuthModule: the signing-key ring has no current key');
    return key;
  }

  /** The key for a kid, from the ring only; an unknown kid re-reads the ring (rate-limited). */
  async verificationKey(kid: string): Promise<RingKey | undefined> {
    if (this.optionsKey?.kid === kid) return this.optionsKey;
    const known = this.keys.get(kid);
    if (known) return known;
    if (Date.now() - this.lastReload >= RELOAD_MIN_INTERVAL_MS) await this.reload();
    return this.keys.get(kid);
  }

  /** Whether `kid` is this instance's HS256 key from the options (not in the database). */
  isOptionsKey(kid: string): boolean {
    return this.optionsKey?.kid === kid;
  }

  /** The public keys of the next, current and retired keys: what `/.well-known/jwks.json` serves. */
  async publicJwks(): Promise<JsonWebKey[]> {
    const rows = await this.dataSource.query<Pick<KeyRow, 'kid' | 'alg' | 'public_jwk'>[]>(
      `SELECT kid, alg, public_jwk FROM signing_keys
        WHERE state <> 'revoked' AND (verify_until IS NULL OR verify_until > now())
        ORDER BY created_at`,
    );
    return rows.map((row) => ({
      kty: row.public_jwk.kty,
      crv: row.public_jwk.crv,
      x: row.public_jwk.x,
      y: row.public_jwk.y,
      kid: row.kid,
      alg: row.alg,
      use: 'sig',
    }));
  }

  async status(): Promise<RingStatus[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT kid, alg, state, created_at, verify_until FROM signing_keys ORDER BY created_at`,
    );
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      state: r.state,
      createdAt: r.created_at,
      verifyUntil: r.verify_until,
    }));
  }

  /**
   * next -> current, current -> retired (verifies until its last token expires), a new next;
   * retired keys past their time are removed. The next key must have been published for a full
   * JWKS cache lifetime, so every gateway's cached JWKS holds it before any token uses it.
   */
  // clock_timestamp(), not now(): a change waits for the ring lock, and now() would be when its
  // transaction began, before the change it waited for (two rotations at once: the second
  // would see the fresh next key as published "in the future").
  async rotate(): Promise<RingStatus[]> {
    await this.locked(async (m) => {
      await m.query(
        `DELETE FROM signing_keys WHERE state = 'retired' AND verify_until <= clock_timestamp()`,
      );
      const ready = await m.query<{ kid: string }[]>(
        `SELECT kid FROM signing_keys
          WHERE state = 'next' AND created_at <= clock_timestamp() - make_interval(secs => $1)`,
        [this.jwksMaxAgeSeconds()],
      );
      if (ready.length === 0) {
        throw new RotationTooEarlyError(
          `the next key has been published for less than the JWKS max-age (${this.jwksMaxAgeSeconds()} s); try again later`,
        );
      }
      await this.retireCurrent(m);
      await m.query(
        `UPDATE signing_keys SET state = 'current', activated_at = clock_timestamp() WHERE state = 'next'`,
      );
      await this.fillRing(m);
    });
    await this.reload();
    return this.status();
  }

  /**
   * Emergency: `kid` is refused at once on every instance (the per-request query checks the
   * state). A revoked current key is replaced by the next one without waiting for caches:
   * a compromise outweighs gateways that refresh their JWKS a little late.
   */
  async revoke(kid: string): Promise<RingStatus[]> {
    const found = await this.locked(async (m) => {
      const [rows] = await m.query<[{ kid: string }[], number]>(
        `UPDATE signing_keys SET state = 'revoked', revoked_at = clock_timestamp(), verify_until = clock_timestamp()
          WHERE kid = $1 AND state <> 'revoked' RETURNING kid`,
        [kid],
      );
      if (rows.length === 0) return false;
      await m.query(
        `UPDATE signing_keys SET state = 'current', activated_at = clock_timestamp()
          WHERE state = 'next' AND NOT EXISTS (SELECT 1 FROM signing_keys WHERE state = 'current')`,
      );
      await this.fillRing(m);
      return true;
    });
    if (!found) throw new Error(`no signing key ${kid} that is not already revoked`);
    await this.reload();
    return this.status();
  }

  private async retireCurrent(m: EntityManager): Promise<void> {
    await m.query(
      `UPDATE signing_keys SET state = 'retired', retired_at = clock_timestamp(),
              verify_until = clock_timestamp() + make_interval(secs => $1)
        WHERE state = 'current'`,
      [this.options.accessTtlSeconds + CLOCK_SKEW_SECONDS],
    );
  }

  /** Adds whatever is missing: a current key (first start only) and a next key. */
  private async fillRing(m: EntityManager): Promise<void> {
    const rows = await m.query<{ state: KeyState }[]>(
      `SELECT state FROM signing_keys WHERE state IN ('current', 'next')`,
    );
    const states = new Set(rows.map((r) => r.state));
    if (!states.has('current')) await this.insertKey(m, 'current');
    if (!states.has('next')) await this.insertKey(m, 'next');
  }

  private async insertKey(m: EntityManager, state: 'current' | 'next'): Promise<void> {
    const kid = randomBytes(12).toString('base64url');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = encryptPrivateKey(this.options.keyEncryptionKey, kid, der);
    der.fill(0);
    await m.query(
      `INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key_encrypted, activated_at)
       VALUES ($1, 'ES256', $2::varchar, $3::jsonb, $4, CASE WHEN $2::varchar = 'current' THEN clock_timestamp() END)`,
      [kid, state, JSON.stringify(publicKey.export({ format: 'jwk' })), sealed],
    );
    this.logger.log(`signing key ${kid} created as ${state}`);
  }

  private async locked<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [RING_LOCK]);
      return work(m);
    });
  }

  /**
   * Re-reads the ring; concurrent callers outside a transaction share one read. A caller inside
   * one reads on its own connection: waiting for a read that needs another connection of the
   * pool, while holding one, could wait forever on a small pool.
   */
  private reload(manager?: EntityManager): Promise<void> {
    if (manager) return this.read(manager);
    this.reloading ??= this.read(this.dataSource.manager).finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async read(manager: EntityManager): Promise<void> {
    this.lastReload = Date.now();
    const rows = await manager.query<KeyRow[]>(
      `SELECT kid, alg, state, public_jwk, private_key_encrypted, created_at, verify_until
         FROM signing_keys
        WHERE state <> 'revoked' AND (verify_until IS NULL OR verify_until > clock_timestamp())`,
    );
    const keys = new Map<string, RingKey>();
    let current: string | undefined;
    for (const row of rows) {
      const der = decryptPrivateKey(
        this.options.keyEncryptionKey,
        row.kid,
        row.private_key_encrypted,
      );
      const signKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      der.fill(0);
      keys.set(row.kid, {
        kid: row.kid,
        alg: row.alg,
        state: row.state,
        signKey,
        verifyKey: createPublicKey(signKey),
        publicJwk: row.public_jwk,
        fromOptions: false,
      });
      if (row.state === 'current') current = row.kid;
    }
    this.keys = keys;
    this.currentKid = current;
  }

  private jwksMaxAgeSeconds(): number {
    return this.options.jwksMaxAgeSeconds ?? DEFAULT_JWKS_MAX_AGE_SECONDS;
  }
}

export const DEFAULT_JWKS_MAX_AGE_SECONDS = 300;

/** The HS256 key of its own kind; its kid is a hash of the secret (it names, never reveals). */
function hs256Key(secret: Buffer): RingKey {
  const key = createSecretKey(secret);
  return {
    kid: hs256Kid(secret),
    alg: 'HS256',
    state: 'current',
    verifyKey: key,
    signKey: key,
    fromOptions: true,
  };
}

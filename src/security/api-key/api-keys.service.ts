import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { IsNull, Repository } from 'typeorm';
import { TransactionContext } from '../../database/transaction-context';
import { PrincipalCache, authTag } from '../../common/principal-cache/principal-cache';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { assertCanManage } from '../authorization/ownership';
import { AuthenticationRefusal, refusal } from '../authorization/authentication-refusal';
import type { ApiKeyPrincipal, UserPrincipal } from '../authorization/principal';
import type { Role } from '../../users/user.entity';
import { ApiKey } from './api-key.entity';
import { API_KEY_OPTIONS, ApiKeyOptions } from './api-key.options';
import { generateApiKey, parseApiKey, secretMatches } from './api-key-format';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

const YEAR_MS = 366 * 86_400_000;
const LAST_USED_INTERVAL_MS = 60_000;

/** A key just issued or rotated: its record, and the full key, shown this once. */
export interface IssuedApiKey {
  record: ApiKey;
  /** `wxk_<keyId>_<secret>`: what the client sends in X-API-Key. */
  key: string;
}

interface KeyWithOwner extends ApiKey {
  ownerRole: Role;
  ownerDisabledAt: Date | null;
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  /** When lastUsedAt was last written per key: at most one write a minute, not one a request. */
  private readonly lastUsedWrites = new Map<string, number>();

  private readonly cache: PrincipalCache;

  constructor(
    private readonly tx: TransactionContext,
    @Inject(API_KEY_OPTIONS) private readonly options: ApiKeyOptions,
  ) {
    this.cache = options.principalCache ?? PrincipalCache.disabled();
  }

  private get keys(): Repository<ApiKey> {
    return this.tx.manager.getRepository(ApiKey);
  }

  /**
   * Verifies a presented key. Any failure is a refusal (its reason and the key's public id are
   * for the audit log and metrics only); the caller answers one uniform 401. The record may come
   * from the principal cache; the secret is compared with it on every request (SHA-256 and a
   * constant-time compare: microseconds), so no secret is ever cached, and a refusal is decided
   * by the same checks on a cached record as on one just read.
   */
  async authenticate(raw: string): Promise<ApiKeyPrincipal | AuthenticationRefusal> {
    const parsed = parseApiKey(raw);
    if (!parsed) return refusal('bad_key');
    const key = await this.findLive(parsed.keyId);
    if (!key) return refusal('bad_key');
    if (key.revokedAt || key.ownerDisabledAt) return refusal('revoked', key.keyId);
    const now = Date.now();
    if (key.expiresAt && key.expiresAt.getTime() <= now) return refusal('expired', key.keyId);
    const current = secretMatches(parsed.secret, key.secretHash);
    const previousMatches = !current && secretMatches(parsed.secret, key.previousSecretHash);
    const previous =
      previousMatches && key.previousExpiresAt !== null && key.previousExpiresAt.getTime() > now;
    // The rotated-out secret after its grace period: a client that was never updated, or a leak.
    if (previousMatches && !previous) return refusal('rotated_out', key.keyId);
    if (!current && !previous) return refusal('bad_key', key.keyId);
    this.touch(key.id, now);
    return {
      kind: 'api-key',
      apiKeyId: key.id,
      keyId: key.keyId,
      ownerId: key.ownerId,
      ownerRole: key.ownerRole,
      scopes: key.scopes,
      resourceId: key.resourceId,
      rateLimitPerMinute: key.rateLimitPerMinute,
    };
  }

  async create(caller: UserPrincipal, dto: CreateApiKeyDto): Promise<IssuedApiKey> {
    this.checkScopes(dto.scopes);
    this.checkExpiry(dto.expiresAt);
    // A key's own limit may exceed the default only when an admin grants it.
    const defaultLimit = this.options.defaultRateLimitPerMinute;
    if (caller.role !== 'admin' && (dto.rateLimitPerMinute ?? 0) > defaultLimit) {
      throw ValidationProblem.field(
        'rateLimitPerMinute',
        `rateLimitPerMinute above ${defaultLimit} (the default for keys) needs an admin`,
      );
    }
    if (dto.resourceId !== undefined) await this.checkBinding(caller, dto.resourceId);
    const generated = generateApiKey();
    const inserted = await this.keys.insert({
      keyId: generated.keyId,
      secretHash: generated.secretHash,
      name: dto.name,
      ownerId: caller.userId,
      scopes: dto.scopes,
      resourceId: dto.resourceId ?? null,
      rateLimitPerMinute: dto.rateLimitPerMinute ?? null,
      expiresAt: dto.expiresAt ?? null,
    });
    return { record: await this.getById(inserted.identifiers[0].id as string), key: generated.key };
  }

  list(
    caller: UserPrincipal,
    page: { limit: number; offset: number },
    ownerId?: string,
  ): Promise<[ApiKey[], number]> {
    if (ownerId !== undefined && caller.role !== 'admin' && ownerId !== caller.userId) {
      throw ValidationProblem.field('ownerId', 'only admins may list the keys of other users');
    }
    const owner = caller.role === 'admin' ? ownerId : caller.userId;
    return this.keys.findAndCount({
      where: owner ? { ownerId: owner } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  /** Someone else's key is "not found" (API1:2023). */
  async get(caller: UserPrincipal, id: string): Promise<ApiKey> {
    const key = await this.keys.findOneBy({ id });
    if (!key) throw new NotFoundException('API key not found.');
    assertCanManage(caller, key.ownerId, 'API key');
    return key;
  }

  /**
   * A new secret; the old one keeps working for the grace period, then stops. A compare-and-swap:
   * the UPDATE applies only if the key still holds the secret this request read and was not
   * rotated after the request arrived. Concurrent rotations thus give one 201 and 409s, the
   * winner's predecessor keeps its full grace period, and a stale rotation can never write
   * back a secret that was already rotated out. Two rotations one after the other both work.
   */
  async rotate(
    caller: UserPrincipal,
    id: string,
    arrivedAt: Date = new Date(),
  ): Promise<IssuedApiKey> {
    const key = await this.get(caller, id);
    if (key.revokedAt) throw new NotFoundException('API key not found.');
    const generated = generateApiKey(key.keyId);
    const now = Date.now();
    const swapped = await this.keys
      .createQueryBuilder()
      .update(ApiKey)
      .set({
        secretHash: generated.secretHash,
        previousSecretHash: key.secretHash,
        previousExpiresAt: new Date(now + this.options.rotationGraceSeconds * 1000),
        rotatedAt: new Date(now),
      })
      .where('id = :id AND secret_hash = :read AND revoked_at IS NULL', {
        id: key.id,
        read: key.secretHash,
      })
      // Same millisecond counts as before: a rotation sent after the previous one answered is
      // never refused.
      .andWhere('(rotated_at IS NULL OR rotated_at <= :arrivedAt)', { arrivedAt })
      .execute();
    if (swapped.affected !== 1) {
      throw new ConflictProblem(
        'This key was rotated by another request after this one arrived. Read the key again and ' +
          'rotate only if you still need a new secret.',
      );
    }
    return { record: await this.getById(key.id), key: generated.key };
  }

  async revoke(caller: UserPrincipal, id: string): Promise<void> {
    const key = await this.get(caller, id);
    if (!key.revokedAt) await this.keys.update({ id: key.id }, { revokedAt: new Date() });
  }

  /** Used when a user is disabled: every key they own stops at once, in the caller's transaction. */
  async revokeAllOwnedBy(ownerId: string): Promise<void> {
    await this.tx.manager.update(
      ApiKey,
      { ownerId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
  }

  private getById(id: string): Promise<ApiKey> {
    return this.keys.findOneByOrFail({ id });
  }

  /**
   * The key and its owner's state, from the principal cache when warm. Only live keys are
   * cached (not revoked, owner enabled), until they expire; any change to the key (revoke,
   * rotate, ...) or its owner (role, disable) drops the entry before that change's request
   * answers. Unknown key ids are never cached: guessing them fills nothing.
   */
  private async findLive(keyId: string): Promise<KeyWithOwner | null> {
    const cacheKey = `api_key:${keyId}`;
    const cached = this.cache.get<KeyWithOwner>(cacheKey);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const key = await this.findWithOwner(keyId);
    if (key && !key.revokedAt && !key.ownerDisabledAt) {
      this.cache.set(
        cacheKey,
        Object.freeze(key),
        {
          tags: [authTag.apiKey(keyId), authTag.user(key.ownerId)],
          expiresAt: key.expiresAt?.getTime(),
        },
        ticket,
      );
    }
    return key;
  }

  private async findWithOwner(keyId: string): Promise<KeyWithOwner | null> {
    const row = await this.keys
      .createQueryBuilder('k')
      .innerJoin('users', 'u', 'u.id = k.owner_id')
      .addSelect(['u.role AS owner_role', 'u.disabled_at AS owner_disabled_at'])
      .where('k.key_id = :keyId', { keyId })
      .getRawAndEntities<{ owner_role: Role; owner_disabled_at: Date | null }>();
    const key = row.entities[0];
    const raw = row.raw[0];
    return key && raw
      ? Object.assign(key, { ownerRole: raw.owner_role, ownerDisabledAt: raw.owner_disabled_at })
      : null;
  }

  private touch(apiKeyId: string, now: number): void {
    const last = this.lastUsedWrites.get(apiKeyId) ?? 0;
    if (now - last < LAST_USED_INTERVAL_MS) return;
    if (this.lastUsedWrites.size >= 10_000) this.forgetStaleWrites(now);
    this.lastUsedWrites.set(apiKeyId, now);
    this.keys.update({ id: apiKeyId }, { lastUsedAt: new Date(now) }).catch((error: unknown) => {
      this.logger.warn({ err: error, apiKeyId }, 'Could not record lastUsedAt');
    });
  }

  /** Entries older than the interval no longer suppress a write; drop them to bound the map. */
  private forgetStaleWrites(now: number): void {
    for (const [id, at] of this.lastUsedWrites) {
      if (now - at >= LAST_USED_INTERVAL_MS) this.lastUsedWrites.delete(id);
    }
  }

  private checkExpiry(expiresAt: Date | undefined): void {
    if (expiresAt === undefined) return;
    const now = Date.now();
    if (expiresAt.getTime() <= now)
      throw ValidationProblem.field('expiresAt', 'expiresAt must be in the future');
    if (expiresAt.getTime() > now + YEAR_MS) {
      throw ValidationProblem.field('expiresAt', 'expiresAt must be at most one year ahead');
    }
  }

  /** Only the host's scope names; the DTO checked their shape. */
  private checkScopes(scopes: readonly string[]): void {
    const known = this.options.scopes;
    if (scopes.some((scope) => !known.includes(scope))) {
      throw ValidationProblem.field(
        'scopes',
        `each value in scopes must be one of the following values: ${known.join(', ')}`,
      );
    }
  }

  /** Whether the caller may bind the key to that resource is the host's rule. */
  private async checkBinding(caller: UserPrincipal, resourceId: string): Promise<void> {
    if (!this.options.binding) {
      throw ValidationProblem.field('resourceId', 'keys of this API cannot be bound to a resource');
    }
    await this.options.binding.assertMayBind(caller, resourceId);
  }
}

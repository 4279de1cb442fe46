import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Controller, Get, NotFoundException, Req, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import request from 'supertest';
import type { Response } from 'supertest';
import { ApiKeyModule } from '../../src/security/api-key/api-key.module';
import { ApiKeyEndpointsModule } from '../../src/security/api-key/api-key-endpoints.module';
import { ApiKeysService } from '../../src/security/api-key/api-keys.service';
import { ApiKeyBinding, mayActOn } from '../../src/security/api-key/api-key-binding';
import type {
  ApiKeyPrincipal,
  ApiKeyScope,
  UserPrincipal,
} from '../../src/security/authorization/principal';
import type { Role } from '../../src/users/user.entity';
import { apiKeyHeader, splitKey } from '../support/api-keys';
import {
  HOST_USER_HEADER,
  LayerApp,
  UNAUTHENTICATED_PROBLEM,
  hostAuthenticationGuard,
  insertUser,
  principalOf,
  startLayerApp,
} from '../support/layer-app';

/**
 * The API-key layer alone: ApiKeyModule.forRoot, a demo route behind @nestjs/passport's
 * AuthGuard('api-key'), and the host's DataSource. The key owner is a row inserted with SQL;
 * keys are issued, rotated and revoked through ApiKeysService. Every refused key must never
 * reach the handler.
 */

const GRACE_SECONDS = 600;
const SCOPES = ['stations:read', 'observations:read', 'observations:write'];
const OPTIONS = {
  rotationGraceSeconds: GRACE_SECONDS,
  defaultRateLimitPerMinute: 600,
  scopes: SCOPES, // the host's scope names
};

let handlerCalls = 0;

@Controller('demo')
class DemoController {
  @Get('whoami')
  @UseGuards(AuthGuard('api-key'))
  whoami(@Req() req: { user: ApiKeyPrincipal }): ApiKeyPrincipal {
    handlerCalls += 1;
    return req.user;
  }
}

let layer: LayerApp;
let apiKeys: ApiKeysService;
/** The owner of the keys, as the principal of a signed-in operator would look. */
let owner: UserPrincipal;

beforeAll(async () => {
  layer = await startLayerApp(
    { imports: [ApiKeyModule.forRoot(OPTIONS)], controllers: [DemoController] },
    { database: true },
  );
  apiKeys = layer.app.get(ApiKeysService);
  owner = principalOf(await insertUser(layer, 'operator'));
});
afterAll(() => layer.close());
beforeEach(() => {
  handlerCalls = 0;
});

interface IssuedKey {
  id: string;
  keyId: string;
  key: string;
  secret: string;
}

async function issue(
  scopes: ApiKeyScope[] = ['stations:read'],
  extra: { expiresAt?: Date } = {},
): Promise<IssuedKey> {
  const { record, key } = await apiKeys.create(owner, { name: 'layer test key', scopes, ...extra });
  return { id: record.id, key, ...splitKey(key) };
}

function whoami(headers: Record<string, string>, query: Record<string, string> = {}) {
  return request(layer.server).get('/demo/whoami').query(query).set(headers);
}

/** Refused by the strategy: Nest's plain 401 from AuthGuard, and the handler never ran. */
function expectRefused(res: Response): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: 401,
    body: { statusCode: 401, message: 'Unauthorized' },
  });
  expect(handlerCalls).toBe(0);
}

async function expectAccepted(key: string): Promise<ApiKeyPrincipal> {
  const res = await whoami(apiKeyHeader(key));
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 200 });
  handlerCalls = 0;
  return res.body as ApiKeyPrincipal;
}

/** Moves Date.now() forward for the duration of `work` (the layer's clock; nothing waits). */
async function later<T>(seconds: number, work: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + seconds * 1000);
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

describe('API-key layer alone (e2e)', () => {
  it('a key from ApiKeysService in X-API-Key -> 200 with the principal (owner, role, scopes)', async () => {
    const key = await issue(['stations:read', 'observations:write']);

    const res = await whoami(apiKeyHeader(key.key));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'api-key',
      apiKeyId: key.id,
      keyId: key.keyId,
      ownerId: owner.userId,
      ownerRole: 'operator',
      scopes: ['stations:read', 'observations:write'],
      resourceId: null,
      rateLimitPerMinute: null,
    });
    expect(handlerCalls).toBe(1);
  });

  it('no key -> 401, the handler never runs', async () => {
    expectRefused(await whoami({}));
  });

  it('a wrong secret with a real key id -> 401', async () => {
    const key = await issue();
    const guessed = `wxk_${key.keyId}_${randomBytes(32).toString('base64url')}`;
    expect(splitKey(guessed).keyId).toBe(key.keyId);

    expectRefused(await whoami(apiKeyHeader(guessed)));
  });

  it('a well-formed key whose key id does not exist -> 401', async () => {
    const unknown = `wxk_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    expectRefused(await whoami(apiKeyHeader(unknown)));
  });

  it.each([
    ['garbage', () => 'garbage'],
    ['the key id alone', (k: IssuedKey) => `wxk_${k.keyId}`],
    ['the secret alone', (k: IssuedKey) => k.secret],
    ['the key with a trailing character', (k: IssuedKey) => `${k.key}x`],
    ['the key with another prefix', (k: IssuedKey) => k.key.replace(/^wxk_/, 'WXK_')],
    ['the key as a Bearer value', (k: IssuedKey) => `Bearer ${k.key}`],
    ['SQL in the key id', () => `wxk_' OR 1=1 --_${randomBytes(32).toString('base64url')}`],
  ])('malformed: %s -> 401', async (_name, make) => {
    const key = await issue();
    expectRefused(await whoami(apiKeyHeader(make(key))));
  });

  it('a valid key in the query string instead of the header -> 401', async () => {
    const key = await issue();
    for (const name of ['api_key', 'apiKey', 'apikey', 'X-API-Key']) {
      expectRefused(await whoami({}, { [name]: key.key }));
    }
    // ...while in the header it works, so the refusals are about the place.
    await expectAccepted(key.key);
  });

  it('a revoked key -> 401 at once', async () => {
    const key = await issue();
    await expectAccepted(key.key);

    await apiKeys.revoke(owner, key.id);

    expectRefused(await whoami(apiKeyHeader(key.key)));
  });

  it('an expired key -> 401', async () => {
    const key = await issue(['stations:read'], { expiresAt: new Date(Date.now() + 3_600_000) });
    await expectAccepted(key.key);

    await layer.dataSource.query(
      `UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`,
      [key.id],
    );

    expectRefused(await whoami(apiKeyHeader(key.key)));
  });

  it('a key whose owner is disabled -> 401', async () => {
    const row = await insertUser(layer, 'operator');
    const { key } = await apiKeys.create(
      { ...owner, userId: row.id },
      { name: 'soon orphaned', scopes: ['stations:read'] },
    );
    await expectAccepted(key);

    await layer.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [row.id]);

    expectRefused(await whoami(apiKeyHeader(key)));
  });

  it('rotation: the old secret works during the grace period (rotationGraceSeconds), not after it', async () => {
    const old = await issue();
    const rotated = await apiKeys.rotate(owner, old.id);
    const fresh = splitKey(rotated.key);
    expect(fresh.keyId).toBe(old.keyId);
    expect(fresh.secret).not.toBe(old.secret);
    const [stored] = await layer.dataSource.query<{ grace: number }[]>(
      `SELECT extract(epoch FROM previous_expires_at - rotated_at)::int AS grace
         FROM api_keys WHERE id = $1`,
      [old.id],
    );
    expect(stored.grace).toBe(GRACE_SECONDS);

    // Within the grace period: both secrets.
    expect((await expectAccepted(old.key)).apiKeyId).toBe(old.id);
    expect((await expectAccepted(rotated.key)).apiKeyId).toBe(old.id);
    await later(GRACE_SECONDS - 5, async () => {
      await expectAccepted(old.key);
    });

    // After it: only the new one.
    await later(GRACE_SECONDS + 1, async () => {
      expectRefused(await whoami(apiKeyHeader(old.key)));
      await expectAccepted(rotated.key);
    });
  });

  it('the database holds no plaintext secret, only SHA-256 of it', async () => {
    const key = await issue();
    const rotated = await apiKeys.rotate(owner, key.id);
    const newSecret = splitKey(rotated.key).secret;

    const rows = await layer.dataSource.query<{ row: string }[]>(
      'SELECT k::text AS row FROM api_keys k',
    );
    const table = rows.map((r) => r.row).join('\n');
    expect(table).toContain(key.keyId);
    for (const secret of [key.secret, newSecret]) {
      expect(table).not.toContain(secret);
      expect(table).not.toContain(Buffer.from(secret).toString('hex'));
    }
    const [row] = await layer.dataSource.query<
      { secret_hash: Buffer; previous_secret_hash: Buffer }[]
    >('SELECT secret_hash, previous_secret_hash FROM api_keys WHERE id = $1', [key.id]);
    const sha256 = (value: string) => createHash('sha256').update(value).digest();
    expect(row.secret_hash).toEqual(sha256(newSecret));
    expect(row.previous_secret_hash).toEqual(sha256(key.secret));
  });
});

/**
 * The binding is the host's rule (ApiKeyBinding): the layer knows no stations. This host binds
 * keys to "gardens" it keeps in a Map, and lets only their gardener bind a key to one.
 */
describe('API-key layer alone: a host-supplied binding check (e2e)', () => {
  const gardenerOf = new Map<string, string>();
  const binding: ApiKeyBinding = {
    assertMayBind: (caller, gardenId) =>
      gardenerOf.get(gardenId) === caller.userId
        ? Promise.resolve()
        : Promise.reject(new NotFoundException('Garden not found.')),
  };
  let host: LayerApp;
  let gardener: UserPrincipal;
  const garden = randomUUID();
  beforeAll(async () => {
    host = await startLayerApp(
      { imports: [ApiKeyModule.forRoot({ ...OPTIONS, binding })], controllers: [DemoController] },
      { database: true },
    );
    // The schema is the project's, whose resources are stations; this host's are not, so its
    // api_keys.resource_id references nothing (what it references is the host's choice).
    await host.dataSource.query('ALTER TABLE api_keys DROP CONSTRAINT api_keys_station_id_fkey');
    gardener = principalOf(await insertUser(host, 'operator'));
    gardenerOf.set(garden, gardener.userId);
  });
  afterAll(() => host.close());

  const countKeys = async () =>
    (await host.dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM api_keys'))[0].n;

  it('the host allows it -> the key is bound, and its principal carries resourceId', async () => {
    const { key } = await host.app
      .get(ApiKeysService)
      .create(gardener, { name: 'bound', scopes: ['stations:read'], resourceId: garden });
    const res = await request(host.server).get('/demo/whoami').set(apiKeyHeader(key));
    expect(res.status).toBe(200);
    expect((res.body as ApiKeyPrincipal).resourceId).toBe(garden);
    // What "act on it" means is the host's too; mayActOn is the check it calls in a handler.
    expect(mayActOn(res.body as ApiKeyPrincipal, garden)).toBe(true);
    expect(mayActOn(res.body as ApiKeyPrincipal, randomUUID())).toBe(false);
  });

  it('the host refuses -> its error, and no key row', async () => {
    const stranger = principalOf(await insertUser(host, 'operator'));
    const before = await countKeys();
    await expect(
      host.app
        .get(ApiKeysService)
        .create(stranger, { name: 'not mine', scopes: ['stations:read'], resourceId: garden }),
    ).rejects.toThrow('Garden not found.');
    expect(await countKeys()).toBe(before);
  });

  it('a scope the host does not name -> 400, and no key row', async () => {
    const before = await countKeys();
    await expect(
      host.app.get(ApiKeysService).create(gardener, { name: 'x', scopes: ['gardens:water'] }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await countKeys()).toBe(before);
  });
});

describe('API-key layer alone: a host without a binding (e2e)', () => {
  it('a bound key -> 400 (this host cannot bind), no key row', async () => {
    const user = principalOf(await insertUser(layer, 'operator'));
    await expect(
      apiKeys.create(user, { name: 'x', scopes: ['stations:read'], resourceId: randomUUID() }),
    ).rejects.toMatchObject({ status: 400 });
    const rows = await layer.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM api_keys WHERE owner_id = $1',
      [user.userId],
    );
    expect(rows[0].n).toBe(0);
  });
});

/**
 * The management routes (`ApiKeyEndpointsModule`) carry their policy with them: in a host without
 * our global guards they are refused, not opened. These hosts start last: each creates an
 * ApiKeyStrategy, and passport's registry keeps the last one (see the README's Known limits).
 */
const NEW_KEY = { name: 'must not exist', scopes: ['observations:write'] };

/** Every column of every key, to show a refused call changed nothing. */
const keyTable = (host: LayerApp) =>
  host.dataSource.query<{ row: string }[]>('SELECT k::text AS row FROM api_keys k ORDER BY id');

describe('API-key layer alone: ApiKeyEndpointsModule in a host without our guards (e2e)', () => {
  let bare: LayerApp;
  let existing: IssuedKey;
  beforeAll(async () => {
    // No authentication, no authorization: only the layer.
    bare = await startLayerApp(
      { imports: [ApiKeyModule.forRoot(OPTIONS), ApiKeyEndpointsModule] },
      { database: true },
    );
    // A key that exists, so reads have something to leak and writes something to change.
    const operator = principalOf(await insertUser(bare, 'operator'));
    const { record, key } = await bare.app
      .get(ApiKeysService)
      .create(operator, { name: 'existing', scopes: ['stations:read'] });
    existing = { id: record.id, key, ...splitKey(key) };
  });
  afterAll(() => bare.close());

  it('POST /v1/api-keys -> 401, the service never runs, no row in api_keys', async () => {
    const service = bare.app.get(ApiKeysService);
    const create = jest.spyOn(service, 'create');
    const before = await keyTable(bare);

    const res = await request(bare.server).post('/v1/api-keys').send(NEW_KEY);

    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 401,
      body: UNAUTHENTICATED_PROBLEM,
    });
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
    expect(await keyTable(bare)).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it.each([
    ['get', '/v1/api-keys'],
    ['get', '/v1/api-keys/:id'],
    ['post', '/v1/api-keys/:id/rotate'],
    ['delete', '/v1/api-keys/:id'],
  ] as const)('%s %s -> 401, nothing read or changed', async (method, path) => {
    const before = await keyTable(bare);
    const res = await request(bare.server)[method](path.replace(':id', existing.id));
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(existing.keyId);
    expect(await keyTable(bare)).toEqual(before);
  });
});

/** The people a host stand-in authentication (like AuthGuard('jwt')) makes the caller. */
const hostUsers: Partial<Record<Role, UserPrincipal>> = {};
const HostStandInGuard = hostAuthenticationGuard((role) => hostUsers[role as Role]);

describe('API-key layer alone: ApiKeyEndpointsModule behind a host guard that only authenticates (e2e)', () => {
  let host: LayerApp;
  beforeAll(async () => {
    host = await startLayerApp(
      {
        imports: [ApiKeyModule.forRoot(OPTIONS), ApiKeyEndpointsModule],
        providers: [{ provide: APP_GUARD, useClass: HostStandInGuard }],
      },
      { database: true },
    );
    for (const role of ['viewer', 'operator'] as const) {
      hostUsers[role] = principalOf(await insertUser(host, role));
    }
  });
  afterAll(() => host.close());

  it('a viewer creating a key -> 403 (the authorization policy: operators and admins), no row', async () => {
    const create = jest.spyOn(host.app.get(ApiKeysService), 'create');
    const res = await request(host.server)
      .post('/v1/api-keys')
      .set(HOST_USER_HEADER, 'viewer')
      .send(NEW_KEY);

    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 403,
      body: {
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'Your role does not allow this.',
      },
    });
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
    expect(await keyTable(host)).toEqual([]);
  });

  it('an operator creating a key -> 201 and one row (the route works; the refusal is the role)', async () => {
    const res = await request(host.server)
      .post('/v1/api-keys')
      .set(HOST_USER_HEADER, 'operator')
      .send({ name: 'roof logger', scopes: ['observations:write'] });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'roof logger', scopes: ['observations:write'] });
    const [row] = await host.dataSource.query<{ owner_id: string; name: string }[]>(
      'SELECT owner_id, name FROM api_keys',
    );
    expect(row).toEqual({ owner_id: hostUsers.operator?.userId, name: 'roof logger' });
  });
});

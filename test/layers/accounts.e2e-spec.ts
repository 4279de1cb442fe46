import { Controller, HttpCode, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import { AccountsModule } from '../../src/security/accounts/accounts.module';
import type { AccountsOptions } from '../../src/security/accounts/accounts.options';
import { UnverifiedAccountGuard } from '../../src/security/accounts/unverified-account.guard';
import type { UserPrincipal } from '../../src/security/authorization/principal';
import { FixedWindowStorage } from '../../src/security/throttling/fixed-window.storage';
import {
  HOST_USER_HEADER,
  LayerApp,
  UserRow,
  hostAuthenticationGuard,
  insertUser,
  principalOf,
  startLayerApp,
} from '../support/layer-app';

/**
 * The accounts layer alone: AccountsModule.forRoot with the host's own pieces (a mail port that
 * keeps messages, an in-process counter store, a session ender that records), its guard after a
 * stand-in authentication, and the host's DataSource. Users are rows inserted with SQL.
 */

type Mail = { to: string; subject: string; text: string; html: string };
const outbox: Mail[] = [];
const endedSessionsOf: string[] = [];

function options(overrides: Partial<AccountsOptions> = {}): AccountsOptions {
  return {
    mailer: { enqueue: (message) => outbox.push(message) > 0 },
    counters: new FixedWindowStorage(),
    passwordAttempts: { begin: () => Promise.resolve(() => Promise.resolve()) },
    sessions: {
      revokeAllSessions: (id) => Promise.resolve(void endedSessionsOf.push(id)),
    },
    mailAvailable: true,
    publicAppUrl: 'https://app.layer.test',
    emailVerificationTtlSeconds: 3600,
    passwordResetTtlSeconds: 900,
    passwordResetEnabled: true,
    unverifiedAccounts: 'read-only',
    mailPerEmailPerHour: 10,
    mailRequestsPerIpPerHour: 100,
    ...overrides,
  };
}

let writes = 0;
@Controller('demo')
class DemoController {
  @Post('write')
  @HttpCode(201)
  write(): { ok: true } {
    writes += 1;
    return { ok: true };
  }
}

const users: Record<string, UserPrincipal> = {};
const HostGuard = hostAuthenticationGuard((name) => users[name]);

let layer: LayerApp;
let user: UserRow & { email: string };

beforeAll(async () => {
  layer = await startLayerApp(
    {
      imports: [AccountsModule.forRoot(options())],
      controllers: [DemoController],
      providers: [
        { provide: APP_GUARD, useClass: HostGuard },
        { provide: APP_GUARD, useExisting: UnverifiedAccountGuard },
      ],
    },
    { database: true },
  );
  const row = await insertUser(layer, 'viewer');
  const [{ email }] = await layer.dataSource.query<Array<{ email: string }>>(
    'SELECT email FROM users WHERE id = $1',
    [row.id],
  );
  user = { ...row, email };
  users.person = principalOf(row);
});
afterAll(() => layer.close());

const tokenOf = (mail: Mail) => /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];

describe('accounts layer alone (e2e)', () => {
  it('a write by an unverified person is refused before the handler; verified, it runs', async () => {
    await layer.dataSource.query('UPDATE users SET email_verified_at = NULL WHERE id = $1', [
      user.id,
    ]);
    const refused = await request(layer.server).post('/demo/write').set(HOST_USER_HEADER, 'person');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'urn:weather-api:problem:email-not-verified' });
    expect(writes).toBe(0);

    await request(layer.server)
      .post('/v1/auth/verify-email/resend')
      .send({ email: user.email })
      .expect(202);
    const token = tokenOf(outbox.at(-1)!);
    await request(layer.server).post('/v1/auth/verify-email').send({ token }).expect(204);
    await request(layer.server).post('/demo/write').set(HOST_USER_HEADER, 'person').expect(201);
    expect(writes).toBe(1);
  });

  it('reset: a link by the host mail port, one use, a new password, every session ended', async () => {
    outbox.length = 0;
    await request(layer.server)
      .post('/v1/auth/password-reset/request')
      .send({ email: user.email })
      .expect(202);
    expect(outbox.map((m) => m.subject)).toEqual(['Reset your password']);
    const token = tokenOf(outbox[0]);
    const newPassword = 'a brand new passphrase 42';
    await request(layer.server)
      .post('/v1/auth/password-reset/confirm')
      .send({ token, newPassword })
      .expect(204);
    expect(endedSessionsOf).toEqual([user.id]);
    const [row] = await layer.dataSource.query<Array<{ password_hash: string }>>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(outbox.map((m) => m.subject)).toEqual([
      'Reset your password',
      'Your password was reset',
    ]);

    const again = await request(layer.server)
      .post('/v1/auth/password-reset/confirm')
      .send({ token, newPassword: 'another passphrase 4242' });
    expect(again.status).toBe(400);
    expect(endedSessionsOf).toEqual([user.id]);
  });

  it('bad options stop the start', async () => {
    await expect(
      startLayerApp(
        { imports: [AccountsModule.forRoot(options({ mailPerEmailPerHour: Number.NaN }))] },
        { database: true },
      ),
    ).rejects.toThrow(/mailPerEmailPerHour/);
  });
});

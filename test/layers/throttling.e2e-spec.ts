import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import { ClientIpThrottlerGuard } from '../../src/security/throttling/client-ip-throttler.guard';
import { IdentityThrottlerGuard } from '../../src/security/throttling/identity-throttler.guard';
import { LoginAttemptsLimiter } from '../../src/security/throttling/login-attempts.limiter';
import { RateLimitedFlow } from '../../src/security/throttling/rate-limit-flow.decorator';
import { ThrottlingModule } from '../../src/security/throttling/throttling.module';
import type { RateLimits } from '../../src/security/throttling/throttling.options';
import { TooManyRequestsProblem } from '../../src/security/throttling/too-many-requests.problem';
import {
  HOST_USER_HEADER,
  LayerApp,
  hostAuthenticationGuard,
  startLayerApp,
} from '../support/layer-app';

/**
 * The throttling layer alone: ThrottlingModule.forRoot, the host's guard lines, and a demo
 * controller. No database, no authentication layer: the host's own stand-in guard below says
 * who is calling, as any authentication would.
 */

const LIMITS: RateLimits = {
  perIpPerMinute: 1000,
  perRolePerMinute: { viewer: 3, operator: 1000, admin: 1000 },
  perApiKeyPerMinute: 1000,
  loginPerIpPer15Minutes: 2,
  loginFailuresPerEmailPer15Minutes: 5,
  registerPerIpPerHour: 1000,
  apiKeyIssuePerHour: 1000,
};

let calls = 0;

@Controller('demo')
class DemoController {
  @Get()
  read(): { ok: true } {
    calls += 1;
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  @RateLimitedFlow('login')
  login(): { ok: true } {
    calls += 1;
    return { ok: true };
  }
}

/** The host's authentication, stood in for: `X-Host-User: <id>` makes the caller that viewer. */
const DemoIdentityGuard = hostAuthenticationGuard((id) => ({
  kind: 'user',
  userId: id,
  role: 'viewer',
  sessionId: 's',
  tokenId: 't',
}));

function hostWith(limits: RateLimits) {
  return {
    imports: [ThrottlingModule.forRoot({ limits })],
    controllers: [DemoController],
    // The host decides where its guards run: IP limits first, identity limits after its auth.
    providers: [
      { provide: APP_GUARD, useExisting: ClientIpThrottlerGuard },
      { provide: APP_GUARD, useClass: DemoIdentityGuard },
      { provide: APP_GUARD, useExisting: IdentityThrottlerGuard },
    ],
  };
}

describe('throttling layer alone', () => {
  let host: LayerApp;

  afterEach(async () => {
    await host.close();
  });

  it('per IP: the limit passes, limit + 1 is 429 with Retry-After, and never reaches the handler', async () => {
    host = await startLayerApp(hostWith({ ...LIMITS, perIpPerMinute: 5 }));
    calls = 0;
    for (let i = 1; i <= 5; i += 1) {
      const ok = await request(host.server).get('/demo').expect(200);
      expect(ok.headers['x-ratelimit-limit-ip']).toBe('5');
      expect(ok.headers['x-ratelimit-remaining-ip']).toBe(String(5 - i));
    }
    const res = await request(host.server).get('/demo');
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers['x-ratelimit-remaining-ip']).toBe('0');
    expect(calls).toBe(5);
  });

  it('a sensitive flow has its own, stricter limit; other routes keep their budget', async () => {
    host = await startLayerApp(hostWith(LIMITS));
    calls = 0;
    await request(host.server).post('/demo/login').expect(200);
    await request(host.server).post('/demo/login').expect(200);
    const refused = await request(host.server).post('/demo/login');
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ratelimit-limit-login-ip']).toBe('2');
    expect(calls).toBe(2);
    await request(host.server).get('/demo').expect(200);
    expect(calls).toBe(3);
  });

  it('per identity: one caller is cut off at its limit, another on the same IP is not', async () => {
    host = await startLayerApp(hostWith(LIMITS));
    calls = 0;
    for (let i = 0; i < 3; i += 1) {
      await request(host.server).get('/demo').set(HOST_USER_HEADER, 'alice').expect(200);
    }
    const refused = await request(host.server).get('/demo').set(HOST_USER_HEADER, 'alice');
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ratelimit-limit-identity']).toBe('3');
    expect(calls).toBe(3);
    await request(host.server).get('/demo').set(HOST_USER_HEADER, 'bob').expect(200);
    // Anonymous callers are counted per IP only.
    await request(host.server).get('/demo').expect(200);
    expect(calls).toBe(5);
  });

  it('failed logins per account: the sixth attempt is refused; a success gives its count back', async () => {
    host = await startLayerApp(hostWith(LIMITS));
    const limiter = host.app.get(LoginAttemptsLimiter);
    const refund = await limiter.begin('someone@example.org');
    await refund(); // the right password: not a failure
    for (let i = 0; i < 5; i += 1) await limiter.begin('Someone@Example.org');
    await expect(limiter.begin('someone@example.org')).rejects.toBeInstanceOf(
      TooManyRequestsProblem,
    );
    // Another account is untouched.
    await expect(limiter.begin('other@example.org')).resolves.toEqual(expect.any(Function));
  });
});

describe('throttling layer: fail closed at start', () => {
  // `hits > NaN` is never true: each of these would let every request through.
  it.each([
    [
      'a NaN limit',
      { ...LIMITS, perIpPerMinute: NaN },
      /ThrottlingModule: invalid options: limits.perIpPerMinute must be a positive integer \(got NaN\)/,
    ],
    [
      'a missing limit',
      { ...LIMITS, loginFailuresPerEmailPer15Minutes: undefined },
      /limits.loginFailuresPerEmailPer15Minutes must be a positive integer \(got undefined\)/,
    ],
    [
      'a limit of 0',
      { ...LIMITS, apiKeyIssuePerHour: 0 },
      /limits.apiKeyIssuePerHour must be a positive integer \(got 0\)/,
    ],
    [
      'a role missing from perRolePerMinute',
      { ...LIMITS, perRolePerMinute: { viewer: 3, admin: 1000 } },
      /limits.perRolePerMinute.operator must be a positive integer \(got undefined\)/,
    ],
    ['no limits at all', undefined, /ThrottlingModule: invalid options: limits is required/],
  ])('%s stops the start with a message naming the option', async (_name, limits, message) => {
    // As a host's unchecked configuration could hand them over.
    await expect(startLayerApp(hostWith(limits as RateLimits))).rejects.toThrow(message);
  });
});

import { randomBytes } from 'node:crypto';
import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import request from 'supertest';
import { AuthorizationGuard } from '../../src/security/authorization/authorization.guard';
import { MFA_REQUIRED_TYPE } from '../../src/security/authorization/mfa-required.problem';
import { Credentials, RequiresMfa } from '../../src/security/authorization/policy.decorators';
import type { UserPrincipal } from '../../src/security/authorization/principal';
import { JwtAuthModule } from '../../src/security/jwt/jwt-auth.module';
import { TokenService } from '../../src/security/jwt/token.service';
import { MfaModule } from '../../src/security/mfa/mfa.module';
import type { MfaOptions } from '../../src/security/mfa/mfa.options';
import { MfaService } from '../../src/security/mfa/mfa.service';
import { UsersService } from '../../src/users/users.service';
import { LayerApp, UNAUTHENTICATED_PROBLEM, startLayerApp } from '../support/layer-app';
import { codeAtStep, currentStep } from '../support/mfa';
import { bearerHeader, newPassword, uniqueEmail } from '../support/sign-in';

/**
 * The MFA layer alone, on top of the JWT layer: JwtAuthModule and MfaModule, a demo route
 * behind @nestjs/passport's AuthGuard('jwt') and the authorization layer's guard with
 * @RequiresMfa(), and the host's DataSource. Enrolment and the two-step login go through
 * MfaService; the attempts limiter is a counter of the test's own, to see the budget spent.
 */

const JWT_OPTIONS = {
  keyEncryptionKey: randomBytes(32),
  issuer: 'layer-test-issuer',
  audience: 'layer-test-audience',
  accessTtlSeconds: 300,
  refreshTtlSeconds: 3600,
};

/** Attempts begun and refunded, per email: the budget as the layer spends it. */
const budget = { begun: 0, refunded: 0 };
const attempts = {
  begin: () => {
    budget.begun += 1;
    return Promise.resolve(() => {
      budget.refunded += 1;
      return Promise.resolve();
    });
  },
};

function mfaOptions(overrides: Partial<MfaOptions> = {}): MfaOptions {
  return {
    encryptionKey: randomBytes(32),
    issuer: 'layer-test',
    attempts,
    stepUpMaxAgeSeconds: 300,
    ...overrides,
  };
}

let handlerCalls = 0;

@Controller('demo')
class DemoController {
  @Get('sensitive')
  @UseGuards(AuthGuard('jwt'), AuthorizationGuard)
  @Credentials('user')
  @RequiresMfa()
  sensitive(@Req() req: { user: UserPrincipal }): UserPrincipal {
    handlerCalls += 1;
    return req.user;
  }
}

let layer: LayerApp;
let mfa: MfaService;

beforeAll(async () => {
  layer = await startLayerApp(
    {
      imports: [JwtAuthModule.forRoot(JWT_OPTIONS), MfaModule.forRoot(mfaOptions())],
      controllers: [DemoController],
    },
    { database: true },
  );
  mfa = layer.app.get(MfaService);
});
afterAll(() => layer.close());
beforeEach(() => {
  handlerCalls = 0;
  budget.begun = 0;
  budget.refunded = 0;
});

async function enrolledUser() {
  const password = newPassword();
  const user = await layer.app.get(UsersService).create(uniqueEmail('mfa'), password, 'operator');
  const first = await layer.app.get(TokenService).startSession(user);
  const sid = JSON.parse(Buffer.from(first.accessToken.split('.')[1], 'base64url').toString()) as {
    sid: string;
  };
  const { secret } = await mfa.startEnrolment(user.id, password);
  const codes = await mfa.confirmEnrolment(
    user.id,
    sid.sid,
    await codeAtStep(secret, currentStep()),
  );
  return { user, password, secret, codes, first };
}

describe('MFA layer alone (e2e)', () => {
  it('the login challenge and a code start a session whose token passes @RequiresMfa', async () => {
    const { user, secret } = await enrolledUser();
    expect(await mfa.isEnrolled(user.id)).toBe(true);
    const { token } = await mfa.challenge(user.id, { clientIp: null, userAgent: null });
    budget.begun = 0;
    budget.refunded = 0;
    const { pair } = await mfa.completeLogin(
      token,
      { code: await codeAtStep(secret, currentStep() + 1) },
      { clientIp: '127.0.0.1', userAgent: 'layer-test' },
    );
    expect(budget).toEqual({ begun: 1, refunded: 1 }); // a right code gives its attempt back
    const res = await request(layer.server)
      .get('/demo/sensitive')
      .set(bearerHeader(pair.accessToken));
    expect(res.status).toBe(200);
    expect((res.body as UserPrincipal).authentication).toMatchObject({
      amr: ['pwd', 'otp'],
      mfaEnrolled: true,
    });
  });

  it('a password-only session of an enrolled person is refused with the mfa-required problem', async () => {
    const { user } = await enrolledUser();
    const pwdOnly = await layer.app.get(TokenService).startSession(user);
    const res = await request(layer.server)
      .get('/demo/sensitive')
      .set(bearerHeader(pwdOnly.accessToken));
    expect(res.status).toBe(403);
    expect((res.body as { type: string }).type).toBe(MFA_REQUIRED_TYPE);
    expect(handlerCalls).toBe(0);
  });

  it('a wrong code spends the budget and is never refunded; the challenge is not used up', async () => {
    const { user, codes } = await enrolledUser();
    const { token } = await mfa.challenge(user.id, { clientIp: null, userAgent: null });
    budget.begun = 0;
    budget.refunded = 0;
    const none = { clientIp: null, userAgent: null };
    await expect(mfa.completeLogin(token, { code: '000000' }, none)).rejects.toThrow();
    await expect(
      mfa.completeLogin(token, { recoveryCode: 'AAAAA-AAAAA-AAAAA-AAAAA' }, none),
    ).rejects.toThrow();
    expect(budget).toEqual({ begun: 2, refunded: 0 });
    await expect(mfa.completeLogin(token, { recoveryCode: codes[0] }, none)).resolves.toBeDefined();
  });

  it('its routes carry the authorization guard: without the host’s authentication they refuse (401)', async () => {
    const res = await request(layer.server).post('/v1/auth/mfa/step-up').send({ code: '123456' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHENTICATED_PROBLEM);
  });

  it.each([
    ['encryptionKey', { encryptionKey: randomBytes(16) }],
    ['issuer', { issuer: 'a:b' }],
    ['attempts', { attempts: undefined as unknown as MfaOptions['attempts'] }],
    ['stepUpMaxAgeSeconds', { stepUpMaxAgeSeconds: 0 }],
    ['challengeTtlSeconds', { challengeTtlSeconds: 5 }],
  ])('refuses to start with a bad %s', async (name, overrides) => {
    await expect(
      startLayerApp(
        { imports: [JwtAuthModule.forRoot(JWT_OPTIONS), MfaModule.forRoot(mfaOptions(overrides))] },
        { database: true },
      ),
    ).rejects.toThrow(name);
  });
});

import request from 'supertest';
import { OpenApiDocument, documentedOperations, openApiDocument } from './support/openapi';
import { bearerHeader } from './support/sign-in';
import { freshCode } from './support/mfa';
import {
  EXAMPLE_CREDENTIALS,
  EXAMPLE_PASSWORD_CHANGE,
} from '../src/security/jwt/dto/request-examples';
import { SmtpSink, tokenIn } from './support/smtp-sink';
import { TestApp, startTestApp } from './support/test-app';

/**
 * A newcomer presses "Try it out" in Swagger UI on the demo database: every request example in
 * the OpenAPI document must succeed as it is. Only what no example can know is filled in: the
 * credential, the `{id}` in the path (a demo object's), and a token a previous answer returned.
 * The steps run in the order a person would follow them.
 */
describe('OpenAPI request examples work as they are on the demo database (e2e)', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let sink: SmtpSink; // the newcomer's inbox (the dev outbox file, in a real start)
  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ SEED_DEMO_DATA: 'true', SMTP_URL: sink.url });
    doc = await openApiDocument(t);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const bodyOperations = () => documentedOperations(doc).filter((op) => op.operation.requestBody);

  function examplesOf(name: string): unknown[] {
    const op = bodyOperations().find((o) => o.name === name);
    const examples = op?.operation.requestBody?.content?.['application/json']?.examples ?? {};
    return Object.values(examples).map((example) => example.value);
  }

  /** `Try it out` for every example of one operation; `fill` supplies what no example can know. */
  async function tryIt(
    name: string,
    fill: {
      auth?: Record<string, string>;
      id?: string;
      body?: (value: unknown) => unknown;
    } = {},
  ): Promise<request.Response[]> {
    const [method, path] = name.split(' ');
    const examples = examplesOf(name);
    expect({ name, examples: examples.length > 0 }).toEqual({ name, examples: true });
    const answers: request.Response[] = [];
    for (const example of examples) {
      const url = fill.id ? path.replace('{id}', fill.id) : path;
      const res = await request(t.server)
        [method.toLowerCase() as 'post' | 'patch' | 'delete'](url)
        .set(fill.auth ?? {})
        .send((fill.body ? await fill.body(example) : example) as object);
      // The example and the answer are in the message when it fails.
      expect({ name, example, status: res.status, body: res.body as unknown }).toEqual({
        name,
        example,
        status: [200, 201, 202, 204].includes(res.status) ? res.status : 'a 2xx',
        body: res.body as unknown,
      });
      answers.push(res);
    }
    return answers;
  }

  it('every operation with a body documents an example, and each one succeeds in turn', async () => {
    const tried = new Set<string>();
    const run = async (name: string, fill?: Parameters<typeof tryIt>[1]) => {
      tried.add(name);
      return tryIt(name, fill);
    };
    const [tegel] = (await request(t.server).get('/v1/stations?code=BER_TEGEL').set(t.auth)).body
      .data as Array<{ id: string }>;

    const [registered] = await run('POST /v1/auth/register');
    const ada = (registered.body as { email: string }).email;
    const mailedToken = async (count: number) => tokenIn(await sink.waitFor(ada, count));
    const verifyToken = await mailedToken(1);
    await run('POST /v1/auth/verify-email', {
      body: (v) => ({ ...(v as object), token: verifyToken }),
    });
    await run('POST /v1/auth/verify-email/resend'); // verified already: 202, nothing sent
    const [signedIn] = await run('POST /v1/auth/login');
    const tokens = signedIn.body as { accessToken: string; refreshToken: string };
    const [refreshed] = await run('POST /v1/auth/refresh', {
      body: (value) => ({ ...(value as object), refreshToken: tokens.refreshToken }),
    });
    const person = bearerHeader((refreshed.body as { accessToken: string }).accessToken);
    await run('POST /v1/auth/change-password', { auth: person });
    await run('POST /v1/stations', { auth: t.auth });
    await run('PATCH /v1/stations/{id}', { auth: t.auth, id: tegel.id });
    await run('POST /v1/stations/{id}/observations', { auth: t.auth, id: tegel.id });
    await run('POST /v1/api-keys', { auth: t.auth });
    await run('PATCH /v1/users/{id}', { auth: t.auth, id: (registered.body as { id: string }).id });
    // MFA, as Ada turns it on with her changed password (and off again, before the reset); the codes come from her authenticator app.
    const adaId = (registered.body as { id: string }).id;
    const adaCredentials = {
      email: EXAMPLE_CREDENTIALS.email,
      password: EXAMPLE_PASSWORD_CHANGE.newPassword,
    };
    const mfaLogin = await request(t.server).post('/v1/auth/login').send(adaCredentials);
    const adaAuth = bearerHeader((mfaLogin.body as { accessToken: string }).accessToken);
    const [enrolment] = await run('POST /v1/auth/mfa/totp', { auth: adaAuth });
    const { secret } = enrolment.body as { secret: string };
    const withCode = async (value: unknown) => ({
      ...(value as object),
      code: await freshCode(t, adaId, secret),
    });
    const [confirmed] = await run('POST /v1/auth/mfa/totp/confirm', {
      auth: adaAuth,
      body: withCode,
    });
    const recovery = (confirmed.body as { recoveryCodes: string[] }).recoveryCodes;
    const challenged = await request(t.server).post('/v1/auth/login').send(adaCredentials);
    const { mfaToken } = challenged.body as { mfaToken: string };
    await run('POST /v1/auth/login/mfa', {
      body: async (value) => ({ ...(await withCode(value)), mfaToken }),
    });
    // The two steps the ±1 window allows are spent: a recovery code stands in for the app.
    const recoveryInstead = (i: number) => () => ({ recoveryCode: recovery[i] });
    await run('POST /v1/auth/mfa/step-up', { auth: adaAuth, body: recoveryInstead(0) });
    await run('DELETE /v1/auth/mfa/totp', { auth: adaAuth, body: recoveryInstead(1) });

    await run('POST /v1/auth/password-reset/request');
    const resetToken = await mailedToken(2);
    await run('POST /v1/auth/password-reset/confirm', {
      body: (v) => ({ ...(v as object), token: resetToken }),
    });
    // The reset ended every session: log in again with the new password, then move the address.
    const again = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: ada, password: 'a passphrase only Ada knows' })
      .expect(200);
    await run('POST /v1/auth/email', {
      auth: bearerHeader((again.body as { accessToken: string }).accessToken),
    });

    // A new operation with a body must be added above, with its example.
    expect([...tried].sort()).toEqual(
      bodyOperations()
        .map((op) => op.name)
        .sort(),
    );
  });
});

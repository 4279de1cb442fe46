import request from 'supertest';
import { accounts, MailedApp, register, startMailedApp } from '../support/accounts';
import { query } from '../support/database';
import { anyIp } from '../support/http';
import { expectProblem } from '../support/problems';
import { login, me, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { tokenIn } from '../support/smtp-sink';

/**
 * Account mail leaves only after the request's transaction commits. Each flow here fails at
 * COMMIT, after it queued its mail: a deferred constraint trigger on account_tokens raises
 * (SQLSTATE 53000, "insufficient resources": the database could not take the write) for the
 * addresses the test marks. Nothing the flow wrote stays, and the sink gets nothing; a control
 * flow in the same test proves the mail path itself works. Remove the after-commit hand-over
 * (AccountMailSender, TransactionContext.afterCommit) and the doomed mails arrive.
 */
let m: MailedApp;

beforeAll(async () => {
  m = await startMailedApp();
  await m.t.dataSource.query(`
    CREATE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'commit refused by the test' USING ERRCODE = '53000';
    END $$`);
  // Issuing a token for a "doomed-issue" address, or spending one of a "doomed-use" address,
  // fails the transaction when it commits, after everything else (audit record included) ran.
  await m.t.dataSource.query(`
    CREATE CONSTRAINT TRIGGER test_refuse_issue AFTER INSERT ON account_tokens
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.email LIKE 'doomed-issue%') EXECUTE FUNCTION test_refuse_commit()`);
  await m.t.dataSource.query(`
    CREATE CONSTRAINT TRIGGER test_refuse_use AFTER UPDATE ON account_tokens
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.email LIKE 'doomed-use%' AND NEW.used_at IS NOT NULL)
      EXECUTE FUNCTION test_refuse_commit()`);
});
afterAll(() => m.close());

const userCount = async (email: string) =>
  (await query(m.t, 'SELECT id FROM users WHERE email = $1', [email])).length;

/** A reset mailed to a fresh account: the mail path works while the doomed flows send nothing. */
async function control(): Promise<void> {
  const user = await signedInUser(m.t, 'viewer', { via: 'users-service' });
  await accounts.requestReset(m.t, user.email, anyIp()).expect(202);
  await m.sink.waitFor(user.email);
}

describe('account mail goes out only after commit (e2e, real SMTP sink)', () => {
  it('a registration whose transaction fails sends no verification link, and no account exists', async () => {
    const email = uniqueEmail('doomed-issue');
    const res = await request(m.t.server)
      .post('/v1/auth/register')
      .set(anyIp())
      .send({ email, password: newPassword() });
    expectProblem(res, 503);
    await control();
    await m.mailSettled();
    expect(m.sink.to(email)).toEqual([]);
    expect(await userCount(email)).toBe(0);
  });

  it('a reset request whose transaction fails sends no link', async () => {
    const user = await signedInUser(m.t, 'viewer', {
      via: 'users-service',
      email: uniqueEmail('doomed-issue'),
    });
    expectProblem(await accounts.requestReset(m.t, user.email, anyIp()), 503);
    await control();
    await m.mailSettled();
    expect(m.sink.to(user.email)).toEqual([]);
    expect(await query(m.t, 'SELECT id FROM account_tokens WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
  });

  it('a reset confirm whose transaction fails: no "password was reset" notice, password and sessions unchanged', async () => {
    const user = await signedInUser(m.t, 'viewer', {
      via: 'users-service',
      email: uniqueEmail('doomed-use'),
    });
    await accounts.requestReset(m.t, user.email, anyIp()).expect(202);
    const token = tokenIn(await m.sink.waitFor(user.email));
    expectProblem(await accounts.confirmReset(m.t, token, newPassword()), 503);
    await control();
    await m.mailSettled();
    expect(m.sink.to(user.email).map((mail) => mail.subject)).toEqual(['Reset your password']);
    expect((await me(m.t, user.auth)).status).toBe(200);
    await login(m.t, user); // the old password still works
  });

  it('an address change whose transaction fails: no link to the new address, no notice to the old', async () => {
    const user = await signedInUser(m.t, 'viewer', { via: 'users-service' });
    const target = uniqueEmail('doomed-issue');
    expectProblem(await accounts.changeEmail(m.t, user.auth, target, user.password), 503);
    await control();
    await m.mailSettled();
    expect(m.sink.to(target)).toEqual([]);
    expect(m.sink.to(user.email)).toEqual([]);
    const [row] = await query<{ email: string }>(m.t, 'SELECT email FROM users WHERE id = $1', [
      user.id,
    ]);
    expect(row.email).toBe(user.email);
  });

  it('the same flows commit and mail when nothing fails', async () => {
    const user = await register(m.t);
    await m.sink.waitFor(user.email);
  });
});

import request from 'supertest';
import { AuditChainWatch } from '../../src/security/monitoring/audit-chain.watch';
import { MetricsServer } from '../../src/security/monitoring/metrics.server';
import { AuditVerifier } from '../../src/security/audit/audit-verifier.service';
import { createKey } from '../support/api-keys';
import { flushAudit } from '../support/audit';
import { fromIp, uniqueIp } from '../support/http';
import { sampleOf, scrape } from '../support/metrics';
import { adminPatchUser, refresh, signedInUser, uniqueEmail } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * The detection rules on the whole app: each attack is sent for real, raises its alert once per
 * episode (an audit record `security.alert.<type>`, a metric, an entry of GET
 * /v1/security/alerts) with evidence that names no secret.
 */

interface AlertJson {
  id: string;
  type: string;
  occurredAt: string;
  clientIp: string | null;
  subjectType: string | null;
  subjectId: string | null;
  evidence: Record<string, unknown>;
}

describe('security alerts (e2e)', () => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp({
      METRICS_PORT: '0',
      TRUST_PROXY: 'loopback',
      ALERT_STUFFING_ACCOUNTS: '3',
      ALERT_API_KEY_ADDRESSES: '3',
      ALERT_PROBING_NOT_FOUND: '4',
      RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: '2',
    });
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).address()!.port}`;
  });

  afterAll(async () => {
    await t.close();
  });

  async function alerts(query = ''): Promise<AlertJson[]> {
    await flushAudit(t);
    const res = await request(t.server).get(`/v1/security/alerts${query}`).set(t.auth).expect(200);
    return (res.body as { data: AlertJson[] }).data;
  }

  /** Waits for the alerts of `type` matching `where` (the rules run beside the requests). */
  async function alertsOf(type: string, where: (a: AlertJson) => boolean): Promise<AlertJson[]> {
    await waitFor(`a ${type} alert`, async () => (await alerts(`?type=${type}`)).some(where), {
      timeoutMs: 5000,
      intervalMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything further would be here too
    return (await alerts(`?type=${type}`)).filter(where);
  }

  function failedLogin(email: string, ip: string) {
    return request(t.server)
      .post('/v1/auth/login')
      .set(fromIp(ip))
      .send({ email, password: 'a-wrong-password-123' });
  }

  it('credential stuffing: failed logins on many accounts from one client, one alert per episode', async () => {
    const ip = uniqueIp();
    const emails = [1, 2, 3, 4, 5, 6].map(() => uniqueEmail('stuffed'));
    for (const email of emails) await failedLogin(email, ip).expect(401);
    const raised = await alertsOf('credential_stuffing', (a) => a.clientIp === ip);
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence).toEqual({ distinctAccounts: 3, windowSeconds: 600 });
    const text = JSON.stringify(raised);
    for (const email of emails) expect(text).not.toContain(email);
    // The alert is an audit record of its own, chained like the others.
    const rows = await t.dataSource.query<Array<{ action: string }>>(
      'SELECT action FROM audit_log WHERE id = $1',
      [raised[0].id],
    );
    expect(rows).toEqual([{ action: 'security.alert.credential_stuffing' }]);
    expect(
      sampleOf(await scrape(metricsUrl), 'security_alerts_total', { type: 'credential_stuffing' }),
    ).toBe(1);
  });

  it('brute force on one account: the lockout raises it, once', async () => {
    const victim = await signedInUser(t, 'viewer', { signIn: false, fromAnyIp: true });
    for (let i = 0; i < 4; i += 1) await failedLogin(victim.email, uniqueIp());
    const raised = await alertsOf('brute_force', (a) => a.evidence.locked === true);
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence.accountSha256).toMatch(/^[0-9a-f]{16,64}$/);
    expect(JSON.stringify(raised)).not.toContain(victim.email);
  });

  it('one API key from many client addresses', async () => {
    const key = await createKey(t, t.auth, { scopes: ['stations:read'] });
    for (let i = 0; i < 5; i += 1) {
      await request(t.server).get('/v1/stations').set(key.auth).set(fromIp(uniqueIp())).expect(200);
    }
    const raised = await alertsOf('api_key_many_addresses', (a) => a.evidence.keyId === key.keyId);
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence).toMatchObject({ distinctAddresses: 3 });
    expect(JSON.stringify(raised)).not.toContain(key.secret);
  });

  it('a rotated-out key secret presented after its grace period', async () => {
    const key = await createKey(t, t.auth, { scopes: ['stations:read'] });
    await request(t.server).post(`/v1/api-keys/${key.id}/rotate`).set(t.auth).expect(201);
    await t.dataSource.query(
      `UPDATE api_keys SET previous_expires_at = now() - interval '1 second' WHERE id = $1`,
      [key.id],
    );
    for (let i = 0; i < 3; i += 1)
      await request(t.server).get('/v1/stations').set(key.auth).expect(401);
    const raised = await alertsOf('api_key_rotated_secret', (a) => a.evidence.keyId === key.keyId);
    expect(raised).toHaveLength(1);
    expect(JSON.stringify(raised)).not.toContain(key.secret);
  });

  it('refresh-token reuse (a stolen session)', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const first = user.session.refreshToken;
    await refresh(t, first).expect(200);
    await refresh(t, first).expect(401); // the rotated token again: reuse
    const raised = await alertsOf('refresh_token_reuse', (a) => a.subjectId === user.id);
    expect(raised).toHaveLength(1);
    expect(JSON.stringify(raised)).not.toContain(first);
  });

  it('object-level probing: one identity collecting 404s on ids', async () => {
    const prober = await signedInUser(t, 'viewer', { fromAnyIp: true });
    for (let i = 0; i < 6; i += 1) {
      await request(t.server)
        .get(`/v1/stations/00000000-0000-4000-8000-00000000000${i}`)
        .set(prober.auth)
        .expect(404);
    }
    const raised = await alertsOf('object_probing', (a) => a.subjectId === prober.id);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ subjectType: 'user', evidence: { notFound: 4 } });
  });

  it('a role raised to admin', async () => {
    const promoted = await signedInUser(t, 'viewer', { signIn: false, fromAnyIp: true });
    await adminPatchUser(t, promoted.id, { role: 'admin' });
    const raised = await alertsOf('privilege_granted', (a) => a.subjectId === promoted.id);
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence).toMatchObject({ role: 'admin' });
  });

  it('a broken audit chain, found by the periodic verification of what was written since', async () => {
    const watch = t.app.get(AuditChainWatch);
    const verifier = t.app.get(AuditVerifier);
    const verify = (from: string) => verifier.verify({ from });
    await flushAudit(t);
    await watch.runOnce(verify);
    let text = await scrape(metricsUrl);
    expect(sampleOf(text, 'audit_chain_verified_age_seconds')).toBeLessThan(60);
    expect(sampleOf(text, 'audit_chain_verification_failures_total')).toBe(0);
    // A record written after that run, then rewritten by someone with the schema owner's rights.
    await failedLogin(uniqueEmail('tamper'), uniqueIp()).expect(401);
    await flushAudit(t);
    const [row] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM audit_log WHERE action = 'auth.login.failed' ORDER BY id DESC LIMIT 1`,
    );
    await t.dataSource.query('DROP TRIGGER audit_log_no_update_delete ON audit_log');
    await t.dataSource.query(`UPDATE audit_log SET reason = 'nothing happened' WHERE id = $1`, [
      row.id,
    ]);
    await watch.runOnce(verify);
    await watch.runOnce(verify); // still broken: counted again, alerted once
    const raised = await alertsOf('audit_chain_broken', () => true);
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence).toEqual({ firstInvalidId: row.id });
    text = await scrape(metricsUrl);
    expect(sampleOf(text, 'audit_chain_verification_failures_total')).toBe(2);
  });

  it('lists alerts for admins only, filtered by type and time, paginated', async () => {
    const viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
    await request(t.server).get('/v1/security/alerts').set(viewer.auth).expect(403);
    await request(t.server).get('/v1/security/alerts').expect(401);
    const all = await alerts();
    expect(all.length).toBeGreaterThanOrEqual(6);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await alerts(`?from=${encodeURIComponent(future)}`)).toEqual([]);
    const page = await request(t.server).get('/v1/security/alerts?limit=2').set(t.auth).expect(200);
    expect(page.body.data).toHaveLength(2);
    const next = await request(t.server)
      .get(`/v1/security/alerts?limit=2&cursor=${page.body.nextCursor as string}`)
      .set(t.auth)
      .expect(200);
    expect(BigInt(next.body.data[0].id as string)).toBeLessThan(
      BigInt(page.body.data[1].id as string),
    );
    await request(t.server).get('/v1/security/alerts?type=everything').set(t.auth).expect(400);
  });
});

import request from 'supertest';
import { waitForAudit } from '../support/audit';
import { statuses, times, uniqueIp } from '../support/http';
import { expectThrottled, rateHeader } from '../support/rate-limits';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * With TRUST_PROXY unset (the default) no header can choose the client address: every request
 * of this file comes from the test process's own loopback address, whatever it claims.
 */
const IP_LIMIT = 10;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: String(IP_LIMIT) });
});
afterAll(() => t.close());

/** A request claiming a new client address in every header a proxy might set. */
function spoofed() {
  const ip = uniqueIp();
  return request(t.server)
    .get('/health/live')
    .set('X-Forwarded-For', ip)
    .set('X-Real-IP', ip)
    .set('Forwarded', `for=${ip}`)
    .set('True-Client-IP', ip)
    .set('CF-Connecting-IP', ip);
}

describe('X-Forwarded-For without TRUST_PROXY (e2e)', () => {
  it('rotating forwarded addresses does not reset the IP limit', async () => {
    expect(t.config.trustProxy).toBe(false);
    // The app's own start (the bootstrap admin's login) already spent part of this address's budget.
    const first = await spoofed();
    expect(first.status).toBe(200);
    expect(rateHeader(first, 'limit', 'ip')).toBe(IP_LIMIT);
    const left = rateHeader(first, 'remaining', 'ip')!;
    expect(left).toBeGreaterThanOrEqual(1);
    expect(left).toBeLessThan(IP_LIMIT - 1);

    const rest = [];
    for (let i = 0; i < left; i += 1) rest.push(await spoofed());
    expect(statuses(rest)).toEqual(times(left, 200));
    // One request less left after each, whatever address it claimed.
    expect(rest.map((r) => rateHeader(r, 'remaining', 'ip'))).toEqual(
      Array.from({ length: left }, (_, i) => left - 1 - i),
    );

    const overs = [await spoofed(), await spoofed(), await spoofed()];
    for (const res of overs) expectThrottled(res, 'ip', IP_LIMIT);
    // A valid credential does not help either.
    expectThrottled(
      await request(t.server).get('/v1/stations').set(t.auth).set('X-Forwarded-For', uniqueIp()),
      'ip',
      IP_LIMIT,
    );

    // The audit names the real peer, never a claimed address.
    const rows = await waitForAudit(t, { action: 'rate_limit.exceeded' }, 1);
    expect(rows.reduce((sum, r) => sum + r.occurrences, 0)).toBe(4);
    for (const row of rows) {
      expect(row.clientIp).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
      expect(row.details).toEqual({ limit: 'ip' });
    }
  });
});

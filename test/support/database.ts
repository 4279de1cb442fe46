import type { TestApp } from './test-app';

/** The database read straight, behind the API's back: what a request really changed. */

export async function query<T = Record<string, unknown>>(
  t: TestApp,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return t.dataSource.query<T[]>(sql, params);
}

export async function countWhere(
  t: TestApp,
  table: 'users' | 'auth_sessions' | 'refresh_tokens' | 'api_keys' | 'stations' | 'observations',
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const rows = await query<{ n: number }>(
    t,
    `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return rows[0].n;
}

/** Row count of a table (optionally of one station). */
export async function countRows(
  t: TestApp,
  table: 'stations' | 'observations',
  stationId?: string,
): Promise<number> {
  return stationId === undefined
    ? countWhere(t, table)
    : countWhere(t, table, 'station_id = $1', [stationId]);
}

/**
 * Everything an identity attack could change: users (role, password hash, disabled), sessions,
 * refresh tokens, API keys and stations, and the number of observations.
 * api_keys.last_used_at is left out: a successful key check writes it in the background, at
 * most once a minute, and that is not a change an attacker makes.
 */
export async function snapshot(t: TestApp): Promise<Record<string, unknown>> {
  const [users, sessions, refreshTokens, apiKeys, stations, observations] = await Promise.all([
    query(t, 'SELECT * FROM users ORDER BY id'),
    query(t, 'SELECT * FROM auth_sessions ORDER BY id'),
    query(t, 'SELECT * FROM refresh_tokens ORDER BY id'),
    query(
      t,
      `SELECT id, key_id, secret_hash, previous_secret_hash, previous_expires_at, name, owner_id,
              scopes, resource_id, expires_at, revoked_at, rotated_at
         FROM api_keys ORDER BY id`,
    ),
    query(t, 'SELECT * FROM stations ORDER BY id'),
    query(t, 'SELECT count(*)::int AS n FROM observations'),
  ]);
  return { users, sessions, refreshTokens, apiKeys, stations, observations };
}

/**
 * Runs `attack` and asserts that the `snapshot` is exactly as before. Returns what the attack
 * returned, so its status can be checked too.
 */
export async function expectUnchangedBy<T>(t: TestApp, attack: () => Promise<T>): Promise<T> {
  const before = await snapshot(t);
  const result = await attack();
  expect(await snapshot(t)).toEqual(before);
  return result;
}

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A fresh, empty database for one test file. With DATABASE_URL set (CI's PostgreSQL server)
 * it creates a new database on that server and drops it afterwards; without it, the app's own
 * embedded PGlite in memory is already fresh.
 */
export interface TestDatabase {
  /** The DATABASE_URL to give the app, or undefined for embedded in-memory PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { url: undefined, drop: () => Promise.resolve() };

  const name = `weather_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ),
  };
}

async function withAdminClient(
  url: string,
  fn: (client: Client) => Promise<unknown>,
): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

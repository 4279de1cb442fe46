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
    drop: () => dropDatabase(serverUrl, name),
  };
}

/**
 * Drops a test database. WITH (FORCE) ends our own leftover connections, but not an autovacuum
 * worker that the server started on the freshly written database (another role: SQLSTATE 42501);
 * that worker finishes in moments, so the drop is retried. A database that still cannot be
 * dropped is left for the next CI run, which removes leftover weather_test_* databases: a
 * scratch database is not a test result.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withAdminClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      if (attempt >= 20) {
        console.warn(`test database ${name} left behind: ${(error as Error).message}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
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

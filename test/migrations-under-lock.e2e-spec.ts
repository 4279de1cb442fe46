import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { MIGRATIONS } from '../src/database/schema';
import { createTestDatabase } from './support/test-database';
import { TestApp, startTestApp } from './support/test-app';

const run = promisify(execFile);
const MIGRATE_CLI = join(__dirname, '..', 'dist', 'src', 'database', 'migrate.cli.js');

// Replicas that start together on an empty database: only a server can be shared.
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

onServer('migrations with several instances starting at once (e2e, PostgreSQL server)', () => {
  it('three instances on one empty database all come up; each migration and the first start ran once', async () => {
    const database = await createTestDatabase();
    const apps: TestApp[] = [];
    try {
      const started = await Promise.allSettled(
        [1, 2, 3].map(() => startTestApp({ DATABASE_URL: database.url as string })),
      );
      for (const outcome of started) if (outcome.status === 'fulfilled') apps.push(outcome.value);
      expect(started.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);

      const rows = await apps[0].dataSource.query<Array<{ name: string; runs: number }>>(
        'SELECT name, count(*)::int AS runs FROM migrations GROUP BY name ORDER BY name',
      );
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(rows.every((row) => row.runs === 1)).toBe(true);
      // First start's work happened once too: one first admin, one signing-key ring.
      const [{ users }] = await apps[0].dataSource.query<Array<{ users: number }>>(
        'SELECT count(*)::int AS users FROM users',
      );
      expect(users).toBe(1);
      const states = await apps[0].dataSource.query<Array<{ state: string; n: number }>>(
        'SELECT state, count(*)::int AS n FROM signing_keys GROUP BY state ORDER BY state',
      );
      expect(states).toEqual([
        { state: 'current', n: 1 },
        { state: 'next', n: 1 },
      ]);
      for (const app of apps) {
        const ready = await request(app.server).get('/health/ready');
        expect(ready.status).toBe(200);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await database.drop();
    }
  });
});

describe('npm run migration:run (the built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies every migration once, then finds nothing pending', async () => {
    const serverDb = await createTestDatabase();
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PGLITE_DATA_DIR: join(dir, 'pglite'),
      ...(serverDb.url ? { DATABASE_URL: serverDb.url } : {}),
    };
    try {
      const first = await run(process.execPath, [MIGRATE_CLI], { env, timeout: 60_000 });
      expect(first.stdout).toContain(`${MIGRATIONS.length} applied`);
      const second = await run(process.execPath, [MIGRATE_CLI], { env, timeout: 60_000 });
      expect(second.stdout.trim()).toBe('no pending migrations');
    } finally {
      await serverDb.drop();
    }
  });
});

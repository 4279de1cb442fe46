import { loadConfig } from '../config/load-config';
import { migrate, openDataSource } from './database-connection';

/**
 * `npm run migration:run`: applies pending migrations under the same advisory lock the app takes
 * at start, for a deploy job that migrates once before the replicas roll (then run the replicas
 * with DATABASE_RUN_MIGRATIONS=false). Safe to run while instances start: they take turns.
 */
async function main(): Promise<void> {
  const { database } = loadConfig(process.env);
  const dataSource = await openDataSource({ ...database, runMigrations: false });
  try {
    const applied = await migrate(dataSource, database);
    for (const migration of applied) console.log(`applied ${migration.name}`);
    console.log(applied.length === 0 ? 'no pending migrations' : `${applied.length} applied`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';

/** Every name in use in this process: pg caches statements per connection by name alone. */
const names = new Set<string>();

/**
 * A named (server-side prepared) statement for the few queries every request runs. TypeORM
 * rebuilds and escapes the SQL text on every call and sends each query unnamed (Parse, Bind,
 * Execute); here the text is built once, at module load, and each pooled connection parses it
 * once, then only binds and executes. Rows come back as the driver parses them (no entity
 * hydration), so the SQL aliases columns to the shape the caller declares.
 *
 * Values are always bound parameters ($1, $2, ...): nothing from a request is ever spliced into
 * `text`, which is fixed when the module loads.
 */
export class PreparedStatement<Row extends QueryResultRow> {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    // Two texts under one name would fail on some connections only ("Prepared statements must be
    // unique"); fail at load instead.
    if (names.has(name)) throw new Error(`Prepared statement name ${name} is already in use`);
    names.add(name);
  }

  /**
   * Runs on `manager`'s connection: the ambient transaction's (TransactionContext.manager) when
   * one is open, so a write commits or rolls back with the rest of the request; otherwise any
   * pooled connection. Failures are QueryFailedError, as from TypeORM, so callers and the
   * problem-details filter (unique violations, 503 on an unreachable database) read them alike.
   */
  async rows(manager: EntityManager, values: readonly unknown[]): Promise<Row[]> {
    const config = { name: this.name, text: this.text, values: values as unknown[] };
    try {
      const runner = manager.queryRunner;
      if (runner?.isReleased) throw new QueryRunnerAlreadyReleasedError();
      const result = runner
        ? await ((await runner.connect()) as PoolClient).query<Row>(config)
        : await poolOf(manager).query<Row>(config);
      return result.rows;
    } catch (error) {
      if (error instanceof QueryRunnerAlreadyReleasedError) throw error;
      throw new QueryFailedError(this.text, config.values, error as Error);
    }
  }

  /** The first row, or undefined when there is none. */
  async first(manager: EntityManager, values: readonly unknown[]): Promise<Row | undefined> {
    return (await this.rows(manager, values))[0];
  }
}

/** The pg pool behind a postgres DataSource (TypeORM's driver calls it `master`). */
function poolOf(manager: EntityManager): Pool {
  const pool = (manager.connection.driver as unknown as { master?: Pool }).master;
  // Undefined only before initialize() or after destroy(): the database is not there.
  if (!pool) throw new Error('Cannot use a pool after calling end on the pool');
  return pool;
}

import { DatabaseError } from 'pg';
import type { ClientBase, Pool, PoolClient, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';

/** Every name in use in this process: pg caches statements per connection by name alone. */
const names = new Set<string>();

/**
 * Connections this module has reset. pg remembers per client which names it has parsed, and
 * parses again on a new client; embedded PGlite (behind pglite-socket) serves every connection
 * from its one session, so a new client may meet statements a dropped one prepared ("already
 * exists", 42P05). The first use of a client therefore clears the session's named statements
 * (only this module names any). On a PostgreSQL server a new session has none: one cheap round
 * trip per pooled connection.
 */
const reset = new WeakSet<ClientBase>();

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
    // Through the DataSource's logger like every TypeORM query: query logging, and whatever
    // watches it (tests count an authenticated request's queries this way), sees these too.
    const logger = manager.connection.logger;
    const runner = manager.queryRunner;
    logger.logQuery(this.text, config.values, runner);
    try {
      if (runner?.isReleased) throw new QueryRunnerAlreadyReleasedError();
      if (runner) return await run((await runner.connect()) as PoolClient, config);
      const client = await poolOf(manager).connect();
      let failure: Error | undefined;
      // pg-pool takes its idle 'error' listener off a client it hands out: a connection lost
      // while we hold it would be an uncaught 'error' event (a crash). The query's rejection
      // reports the loss; this only marks the client as broken.
      const lost = (error: Error) => (failure = error);
      client.on('error', lost);
      try {
        return await run(client, config);
      } catch (error) {
        // The server answered with an error (a constraint, a bad time zone): the connection is
        // fine. Anything else may have broken it: discarded, not handed out again.
        if (!(error instanceof DatabaseError)) failure = error as Error;
        throw error;
      } finally {
        client.removeListener('error', lost);
        client.release(failure);
      }
    } catch (error) {
      if (error instanceof QueryRunnerAlreadyReleasedError) throw error;
      logger.logQueryError(error as Error, this.text, config.values, runner);
      throw new QueryFailedError(this.text, config.values, error as Error);
    }
  }

  /** The first row, or undefined when there is none. */
  async first(manager: EntityManager, values: readonly unknown[]): Promise<Row | undefined> {
    return (await this.rows(manager, values))[0];
  }
}

async function run<Row extends QueryResultRow>(
  client: ClientBase,
  config: { name: string; text: string; values: unknown[] },
): Promise<Row[]> {
  if (!reset.has(client)) {
    // Queued before the statement below: pg runs a client's queries in order.
    reset.add(client);
    await client.query('DEALLOCATE ALL');
  }
  return (await client.query<Row>(config)).rows;
}

/** The pg pool behind a postgres DataSource (TypeORM's driver calls it `master`). */
function poolOf(manager: EntityManager): Pool {
  const pool = (manager.connection.driver as unknown as { master?: Pool }).master;
  // Undefined only before initialize() or after destroy(): the database is not there.
  if (!pool) throw new Error('Cannot use a pool after calling end on the pool');
  return pool;
}

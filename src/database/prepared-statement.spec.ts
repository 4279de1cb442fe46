import { EventEmitter } from 'node:events';
import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { DatabaseError } from 'pg';
import { PreparedStatement } from './prepared-statement';

type Query = jest.Mock<Promise<{ rows: unknown[] }>, [unknown]>;

/** A manager as TransactionContext hands it out: with a query runner inside a transaction. */
function managerWith(options: {
  pool?: Query;
  client?: Query;
  released?: boolean;
  release?: jest.Mock;
  logger?: { logQuery: jest.Mock; logQueryError: jest.Mock };
}): EntityManager {
  const logger = options.logger ?? { logQuery: jest.fn(), logQueryError: jest.fn() };
  const runner = options.client && {
    isReleased: options.released ?? false,
    connect: () => Promise.resolve(clientOf(options.client!)),
  };
  const pooled = options.pool && clientOf(options.pool, options.release);
  return {
    queryRunner: runner,
    connection: {
      logger,
      driver: { master: pooled && { connect: () => Promise.resolve(pooled) } },
    },
  } as unknown as EntityManager;
}

/** One pg client per mock, as a pool hands out the same connection again; it emits events. */
const clients = new WeakMap<Query, EventEmitter>();
function clientOf(query: Query, release: jest.Mock = jest.fn()): EventEmitter {
  if (!clients.has(query))
    clients.set(query, Object.assign(new EventEmitter(), { query, release }));
  return clients.get(query)!;
}

/** The statements sent, without the once-per-connection reset. */
const statements = (query: Query): unknown[] =>
  query.mock.calls.map(([sent]) => sent).filter((sent) => sent !== 'DEALLOCATE ALL');

const answering = (rows: unknown[]): Query =>
  jest.fn<Promise<{ rows: unknown[] }>, [unknown]>().mockResolvedValue({ rows });

describe('PreparedStatement', () => {
  const byId = new PreparedStatement<{ id: string }>('spec_by_id', 'SELECT $1::uuid AS id');

  it('sends a named statement with bound values through the pool outside a transaction', async () => {
    const pool = answering([{ id: 'a' }]);
    const rows = await byId.rows(managerWith({ pool }), ['a']);
    expect(rows).toEqual([{ id: 'a' }]);
    expect(statements(pool)).toEqual([
      { name: 'spec_by_id', text: 'SELECT $1::uuid AS id', values: ['a'] },
    ]);
  });

  it("reports each query and each failure to the DataSource's logger, as TypeORM does", async () => {
    const logger = { logQuery: jest.fn(), logQueryError: jest.fn() };
    await byId.rows(managerWith({ pool: answering([]), logger }), ['a']);
    expect(logger.logQuery).toHaveBeenCalledWith('SELECT $1::uuid AS id', ['a'], undefined);
    const failing = jest
      .fn<Promise<{ rows: unknown[] }>, [unknown]>()
      .mockResolvedValueOnce({ rows: [] })
      .mockRejectedValue(new Error('connection reset'));
    await expect(byId.rows(managerWith({ pool: failing, logger }), ['b'])).rejects.toThrow(
      QueryFailedError,
    );
    expect(logger.logQueryError).toHaveBeenCalledTimes(1);
  });

  it('survives the connection dying while it holds a pooled client: a rejection, never a crash', async () => {
    const release = jest.fn();
    const lost = new Error('Connection terminated unexpectedly');
    const dying: Query = jest.fn((sent: unknown) => {
      if (sent === 'DEALLOCATE ALL') return Promise.resolve({ rows: [] });
      // What pg does when the socket ends mid-query: an 'error' event, then the rejection. An
      // 'error' event with no listener would throw here, out of the request.
      clientOf(dying).emit('error', lost);
      return Promise.reject(lost);
    });
    const manager = managerWith({ pool: dying, release });
    await expect(byId.rows(manager, ['a'])).rejects.toThrow(QueryFailedError);
    expect(release).toHaveBeenCalledWith(lost); // discarded, not handed out again
    expect(clientOf(dying).listenerCount('error')).toBe(0); // the pool's own listener takes over
  });

  it('clears named statements once per connection: a new one may share the session (PGlite)', async () => {
    const pool = answering([]);
    const manager = managerWith({ pool });
    await byId.rows(manager, ['a']);
    await byId.rows(manager, ['b']);
    expect(pool.mock.calls.map(([sent]) => (sent as { name?: string }).name ?? sent)).toEqual([
      'DEALLOCATE ALL',
      'spec_by_id',
      'spec_by_id',
    ]);
  });

  it('runs on the ambient transaction’s connection, never on another pooled one', async () => {
    const pool = answering([]);
    const client = answering([{ id: 'b' }]);
    expect(await byId.first(managerWith({ pool, client }), ['b'])).toEqual({ id: 'b' });
    expect(statements(client)).toEqual([expect.objectContaining({ name: 'spec_by_id' })]);
    expect(pool).not.toHaveBeenCalled();
  });

  it('refuses a released transaction instead of using a connection back in the pool', async () => {
    const client = answering([]);
    await expect(byId.rows(managerWith({ client, released: true }), ['c'])).rejects.toBeInstanceOf(
      QueryRunnerAlreadyReleasedError,
    );
    expect(client).not.toHaveBeenCalled();
  });

  it('reports an error the server answered as QueryFailedError, keeping the connection', async () => {
    const failure = Object.assign(new DatabaseError('duplicate key', 0, 'error'), {
      code: '23505',
      constraint: 'k',
    });
    const pool: Query = jest
      .fn<Promise<{ rows: unknown[] }>, [unknown]>()
      .mockRejectedValue(failure);
    const release = jest.fn();
    const error: unknown = await byId
      .rows(managerWith({ pool, release }), ['d'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).driverError).toBe(failure);
    expect(release).toHaveBeenCalledWith(undefined);
  });

  it('discards a connection that failed below SQL (it may be broken)', async () => {
    const failure = Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    const pool: Query = jest
      .fn<Promise<{ rows: unknown[] }>, [unknown]>()
      .mockRejectedValue(failure);
    const release = jest.fn();
    const error: unknown = await byId
      .rows(managerWith({ pool, release }), ['e'])
      .catch((e: unknown) => e);
    expect((error as QueryFailedError).driverError).toBe(failure);
    expect(release).toHaveBeenCalledWith(failure);
  });

  it('answers like an unreachable database when the pool is gone (destroyed DataSource)', async () => {
    const error: unknown = await byId.rows(managerWith({}), ['e']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).message).toMatch(/^Cannot use a pool after calling end/);
  });

  it('refuses a second statement under a name already in use', () => {
    expect(() => new PreparedStatement('spec_by_id', 'SELECT 2')).toThrow(/already in use/);
  });
});

import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { PreparedStatement } from './prepared-statement';

type Query = jest.Mock<Promise<{ rows: unknown[] }>, [unknown]>;

/** A manager as TransactionContext hands it out: with a query runner inside a transaction. */
function managerWith(options: { pool?: Query; client?: Query; released?: boolean }): EntityManager {
  const runner = options.client && {
    isReleased: options.released ?? false,
    connect: () => Promise.resolve({ query: options.client }),
  };
  return {
    queryRunner: runner,
    connection: { driver: { master: options.pool && { query: options.pool } } },
  } as unknown as EntityManager;
}

const answering = (rows: unknown[]): Query =>
  jest.fn<Promise<{ rows: unknown[] }>, [unknown]>().mockResolvedValue({ rows });

describe('PreparedStatement', () => {
  const byId = new PreparedStatement<{ id: string }>('spec_by_id', 'SELECT $1::uuid AS id');

  it('sends a named statement with bound values through the pool outside a transaction', async () => {
    const pool = answering([{ id: 'a' }]);
    const rows = await byId.rows(managerWith({ pool }), ['a']);
    expect(rows).toEqual([{ id: 'a' }]);
    expect(pool).toHaveBeenCalledWith({
      name: 'spec_by_id',
      text: 'SELECT $1::uuid AS id',
      values: ['a'],
    });
  });

  it('runs on the ambient transaction’s connection, never on another pooled one', async () => {
    const pool = answering([]);
    const client = answering([{ id: 'b' }]);
    expect(await byId.first(managerWith({ pool, client }), ['b'])).toEqual({ id: 'b' });
    expect(client).toHaveBeenCalledWith(expect.objectContaining({ name: 'spec_by_id' }));
    expect(pool).not.toHaveBeenCalled();
  });

  it('refuses a released transaction instead of using a connection back in the pool', async () => {
    const client = answering([]);
    await expect(byId.rows(managerWith({ client, released: true }), ['c'])).rejects.toBeInstanceOf(
      QueryRunnerAlreadyReleasedError,
    );
    expect(client).not.toHaveBeenCalled();
  });

  it('reports driver failures as QueryFailedError, keeping SQLSTATE and constraint', async () => {
    const failure = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'k' });
    const pool: Query = jest
      .fn<Promise<{ rows: unknown[] }>, [unknown]>()
      .mockRejectedValue(failure);
    const error: unknown = await byId.rows(managerWith({ pool }), ['d']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).driverError).toBe(failure);
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

import type { DataSource, EntityManager } from 'typeorm';

/** What a background job's query runner carries in `data`: its name. */
export interface BackgroundWork {
  background: string;
}

/**
 * Runs `work` on a query runner of its own, marked as background work (`runner.data`), which
 * TypeORM hands to the logger with every query: query logs can tell a job's queries from a
 * request's, and tests that count a request's queries leave the job's out. The runner takes a
 * pooled connection only while `work` runs.
 */
export async function background<T>(
  dataSource: DataSource,
  name: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  runner.data = { background: name } satisfies BackgroundWork;
  try {
    return await work(runner.manager);
  } finally {
    await runner.release();
  }
}

/** Whether a query came from background work (the runner the logger was given). */
export function isBackgroundWork(runner: { data?: unknown } | undefined): boolean {
  const data = runner?.data as Partial<BackgroundWork> | undefined;
  return typeof data?.background === 'string';
}

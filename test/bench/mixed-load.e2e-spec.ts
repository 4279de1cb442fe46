import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The mixed-load benchmark's own checks (`npm run bench -- --mixed`): the bench is plain JS
 * (it runs the built app), loaded here as it runs. What matters most is that "acknowledged vs
 * stored" would see a lost write: an acknowledged write the database does not hold must be
 * counted as missing, both its row and its audit record. No time is asserted.
 */
const benchRequire = createRequire(__filename);

interface Acknowledged {
  observedAtMs: number;
  requestId: string | undefined;
}
interface AppTarget {
  server: { base: string };
  station: string;
  credentials: { key: Record<string, string> };
  databaseUrl: string | null;
  close(): Promise<void>;
}
const { startAppTarget } = benchRequire('./lib/app-target') as {
  startAppTarget(database: string, env: Record<string, string>): Promise<AppTarget>;
};
const { stopServer } = benchRequire('./lib/processes') as {
  stopServer(server: AppTarget['server']): Promise<void>;
};
const { runWrites } = benchRequire('./lib/write-clients') as {
  runWrites(
    base: string,
    route: { path: string; headers: Record<string, string> },
    options: { connections: number; durationSec: number; timeoutSec: number; timeBase: number },
  ): Promise<{ acknowledged: Acknowledged[]; untilMs: number; socketErrors: number }>;
};
const { countStored } = benchRequire('./lib/stored-writes') as {
  countStored(options: {
    database: string;
    url: string | null;
    dataDir: string | null;
    stationPath: string;
    fromMs: number;
    untilMs: number;
    acknowledged: Acknowledged[];
  }): Promise<Record<'storedRows' | 'auditRecords' | 'missingRows' | 'missingAudit', number>>;
};
const { mergedPercentile, parseMix, readCycle, splitClients } = benchRequire(
  './lib/mixed-load',
) as {
  mergedPercentile(reads: number[], readCount: number, writes: number[], p: number): number;
  parseMix(raw?: string): Array<{ kind: string; weight: number }>;
  readCycle(reads: Array<{ weight: number }>): number[];
  splitClients(
    mix: Array<{ kind: string; weight: number }>,
    connections: number,
  ): { readers: number; writers: number };
};

describe('bench: mixed load', () => {
  it('counts an acknowledged write the database does not hold as lost, row and audit record', async () => {
    const database = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
    // In a directory of its own: the app keeps its development keys beside the data (*.key).
    const dataRoot = database === 'pglite' ? mkdtempSync(join(tmpdir(), 'bench-spec-')) : null;
    const dataDir = dataRoot && join(dataRoot, 'pglite');
    const app = await startAppTarget(database, dataDir ? { PGLITE_DATA_DIR: dataDir } : {});
    try {
      const timeBase = Date.UTC(2003, 0, 1);
      const writes = await runWrites(
        app.server.base,
        { path: `${app.station}/observations`, headers: app.credentials.key },
        { connections: 2, durationSec: 1, timeoutSec: 30, timeBase },
      );
      await stopServer(app.server); // what was acknowledged must survive a graceful stop
      // One more "acknowledged" write that never reached the app: what a lost write looks like.
      const lost = { observedAtMs: writes.untilMs, requestId: randomUUID() };
      const stored = await countStored({
        database,
        url: app.databaseUrl,
        dataDir,
        stationPath: app.station,
        fromMs: timeBase,
        untilMs: writes.untilMs + 1000,
        acknowledged: [...writes.acknowledged, lost],
      });

      expect(writes.socketErrors).toBe(0);
      expect(writes.acknowledged.length).toBeGreaterThan(0);
      expect(stored).toMatchObject({
        storedRows: writes.acknowledged.length,
        auditRecords: writes.acknowledged.length,
        missingRows: 1,
        missingAudit: 1,
      });
    } finally {
      await app.close();
      if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
    }
  }, 180_000);

  it('reads the mix, refusing a kind it does not know, and splits the clients by it', () => {
    const mix = parseMix('station-jwt=3,write=1');
    expect(mix).toEqual([
      { kind: 'station-jwt', weight: 3 },
      { kind: 'write', weight: 1 },
    ]);
    expect(splitClients(mix, 100)).toEqual({ readers: 75, writers: 25 });
    expect(() => parseMix('station-jwt=3,delete=1')).toThrow(/BENCH_MIXED_MIX/);
    expect(() => parseMix('write=0')).toThrow(/no weight above 0/);
  });

  it('sends each read its share, spread out', () => {
    const order = readCycle([{ weight: 2 }, { weight: 1 }, { weight: 1 }]);
    expect(order).toHaveLength(4);
    expect(order.filter((i) => i === 1)).toHaveLength(2);
    expect(order[0]).not.toBe(order[1]);
  });

  it('merges read quantiles and write samples into one percentile', () => {
    // 1000 reads at 1..1000 ms (their quantiles every 0.1%), and 1000 writes all at 2000 ms.
    const reads = Array.from({ length: 1000 }, (_, i) => i + 1);
    const writes = Array.from({ length: 1000 }, () => 2000);
    expect(mergedPercentile(reads, 1000, writes, 0.25)).toBe(500);
    expect(mergedPercentile(reads, 1000, writes, 0.99)).toBe(2000);
    expect(mergedPercentile(reads, 1000, [], 1)).toBe(1000);
  });
});

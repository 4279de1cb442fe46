import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Observation } from '../observations/observation.entity';
import { Station } from '../stations/station.entity';
import { DEMO_STATIONS, demoObservations } from './demo-data';

const CHUNK = 500;

/** Demo weather data: on first start (see FirstStartService), and on demand with `npm run seed`. */
@Injectable()
export class DemoSeedService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Resets the demo stations to their seed values and replaces their observations, in one
   * transaction. Station rows are kept (not deleted and re-created), so API keys bound to them
   * and other references survive a reseed.
   */
  async seed(end: Date = currentHour()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      let total = 0;
      for (const [index, seed] of DEMO_STATIONS.entries()) {
        total += await this.seedStation(manager, seed, end, index + 1);
      }
      return total;
    });
  }

  private async seedStation(
    manager: EntityManager,
    seed: (typeof DEMO_STATIONS)[number],
    end: Date,
    prngSeed: number,
  ): Promise<number> {
    const { code, name, latitude, longitude, elevationM, timezone } = seed;
    const fields = { name, latitude, longitude, elevationM, timezone };
    const existing = await manager.findOneBy(Station, { code });
    let stationId: string;
    if (existing) {
      stationId = existing.id;
      await manager.update(Station, { id: stationId }, fields);
      await manager.delete(Observation, { stationId });
    } else {
      const inserted = await manager.insert(Station, { code, ...fields, ownerId: null });
      stationId = inserted.identifiers[0].id as string;
    }
    const rows = demoObservations(seed, stationId, end, prngSeed);
    for (let i = 0; i < rows.length; i += CHUNK) {
      await manager.insert(Observation, rows.slice(i, i + CHUNK));
    }
    return rows.length;
  }
}

function currentHour(): Date {
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  return now;
}

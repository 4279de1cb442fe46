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

  /** Replaces the demo stations (and their observations) in one transaction. */
  async seed(): Promise<number> {
    const end = new Date();
    end.setUTCMinutes(0, 0, 0);
    return this.dataSource.transaction(async (manager) => {
      await manager.delete(
        Station,
        DEMO_STATIONS.map((s) => ({ code: s.code })),
      );
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
    const inserted = await manager.insert(Station, {
      code,
      name,
      latitude,
      longitude,
      elevationM,
      timezone,
      ownerId: null,
    });
    const stationId = inserted.identifiers[0].id as string;
    const rows = demoObservations(seed, stationId, end, prngSeed);
    for (let i = 0; i < rows.length; i += CHUNK) {
      await manager.insert(Observation, rows.slice(i, i + CHUNK));
    }
    return rows.length;
  }
}

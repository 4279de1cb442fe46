import { Injectable, NotFoundException } from '@nestjs/common';
import { Repository } from 'typeorm';
import { TransactionContext } from '../../database/transaction-context';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { escapeLike, isUniqueViolation } from '../../database/postgres-errors';
import { PreparedStatement } from '../../database/prepared-statement';
import { CreateStationDto } from './dto/create-station.dto';
import { ListStationsQuery } from './dto/list-stations.query';
import { UpdateStationDto } from './dto/update-station.dto';
import { Station, StationRow } from './station.entity';

/** Every authorised request on a station reads it first: prepared once per connection. */
const STATION_BY_ID = new PreparedStatement<StationRow>(
  'station_by_id',
  `SELECT id, code, name, latitude, longitude, elevation_m AS "elevationM", timezone,
          owner_id AS "ownerId", created_at AS "createdAt", updated_at AS "updatedAt"
     FROM stations WHERE id = $1`,
);

@Injectable()
export class StationsService {
  constructor(private readonly tx: TransactionContext) {}

  /** Through the request's transaction when one is open (see TransactionContext). */
  private get stations(): Repository<Station> {
    return this.tx.manager.getRepository(Station);
  }

  async list(query: ListStationsQuery): Promise<[Station[], number]> {
    const qb = this.stations.createQueryBuilder('s');
    if (query.code !== undefined) qb.andWhere('s.code = :code', { code: query.code });
    if (query.name !== undefined) {
      qb.andWhere(`s.name ILIKE :name ESCAPE '\\'`, { name: `%${escapeLike(query.name)}%` });
    }
    const box = boundingBox(query);
    if (box) {
      qb.andWhere('s.latitude BETWEEN :minLat AND :maxLat', box);
      qb.andWhere('s.longitude BETWEEN :minLon AND :maxLon', box);
    }
    return qb.orderBy('s.code', 'ASC').take(query.limit).skip(query.offset).getManyAndCount();
  }

  async get(id: string): Promise<StationRow> {
    const station = await STATION_BY_ID.first(this.tx.manager, [id]);
    if (!station) throw new NotFoundException('Station not found.');
    return station;
  }

  async create(dto: CreateStationDto, ownerId: string | null): Promise<StationRow> {
    try {
      const inserted = await this.stations.insert({ ...dto, ownerId });
      return await this.get(inserted.identifiers[0].id as string);
    } catch (error) {
      throw this.mapConflict(error);
    }
  }

  async update(station: StationRow, dto: UpdateStationDto): Promise<StationRow> {
    try {
      await this.stations.update({ id: station.id }, { ...dto });
    } catch (error) {
      throw this.mapConflict(error);
    }
    return this.get(station.id);
  }

  async remove(station: StationRow): Promise<void> {
    await this.stations.delete({ id: station.id });
  }

  private mapConflict(error: unknown): unknown {
    return isUniqueViolation(error, 'stations_code_key')
      ? new ConflictProblem('A station with this code already exists.')
      : error;
  }
}

/** All four bounds or none; a half-given box is a client mistake, not "no filter". */
function boundingBox(
  q: ListStationsQuery,
): { minLat: number; maxLat: number; minLon: number; maxLon: number } | undefined {
  const values = [q.minLat, q.maxLat, q.minLon, q.maxLon];
  if (values.every((v) => v === undefined)) return undefined;
  if (values.some((v) => v === undefined)) {
    throw ValidationProblem.field(
      'minLat',
      'minLat, maxLat, minLon and maxLon must be given together',
    );
  }
  const box = { minLat: q.minLat!, maxLat: q.maxLat!, minLon: q.minLon!, maxLon: q.maxLon! };
  if (box.minLat > box.maxLat)
    throw ValidationProblem.field('minLat', 'minLat must not exceed maxLat');
  if (box.minLon > box.maxLon)
    throw ValidationProblem.field('minLon', 'minLon must not exceed maxLon');
  return box;
}

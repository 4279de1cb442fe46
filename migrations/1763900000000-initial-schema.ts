import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stations and observations. The CHECK constraints repeat the DTO bounds so that data
 * arriving by any path (seed, SQL console, a future bug) still satisfies the domain rules.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE stations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(16) NOT NULL,
        name varchar(100) NOT NULL,
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        elevation_m double precision NOT NULL CHECK (elevation_m BETWEEN -500 AND 9000),
        timezone varchar(64) NOT NULL,
        owner_id uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stations_code_key UNIQUE (code),
        CONSTRAINT stations_code_format CHECK (code ~ '^[A-Z0-9_-]{3,16}$')
      )`);
    await q.query(`CREATE INDEX stations_owner_id_idx ON stations (owner_id)`);
    await q.query(`CREATE INDEX stations_lat_lon_idx ON stations (latitude, longitude)`);
    await q.query(`
      CREATE TABLE observations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        station_id uuid NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
        observed_at timestamptz(3) NOT NULL, -- ms precision: round-trips exactly through JS Date and cursors
        temperature_c double precision NOT NULL CHECK (temperature_c BETWEEN -90 AND 60),
        relative_humidity double precision NULL CHECK (relative_humidity BETWEEN 0 AND 100),
        pressure_hpa double precision NULL CHECK (pressure_hpa BETWEEN 850 AND 1100),
        wind_speed_ms double precision NULL CHECK (wind_speed_ms BETWEEN 0 AND 120),
        wind_direction_deg double precision NULL CHECK (wind_direction_deg >= 0 AND wind_direction_deg < 360),
        precipitation_mm double precision NULL CHECK (precipitation_mm BETWEEN 0 AND 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Also the index behind range reads and keyset pagination.
        CONSTRAINT observations_station_time_key UNIQUE (station_id, observed_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE observations`);
    await q.query(`DROP TABLE stations`);
  }
}

import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Station } from '../stations/station.entity';

// Constraint names match migrations/, the source of truth.
@Entity({ name: 'observations' })
// Also the index behind range reads and keyset pagination.
@Unique('observations_station_time_key', ['stationId', 'observedAt'])
@Check('observations_temperature_c_check', 'temperature_c BETWEEN -90 AND 60')
@Check('observations_relative_humidity_check', 'relative_humidity BETWEEN 0 AND 100')
@Check('observations_pressure_hpa_check', 'pressure_hpa BETWEEN 850 AND 1100')
@Check('observations_wind_speed_ms_check', 'wind_speed_ms BETWEEN 0 AND 120')
@Check(
  'observations_wind_direction_deg_check',
  'wind_direction_deg >= 0 AND wind_direction_deg < 360',
)
@Check('observations_precipitation_mm_check', 'precipitation_mm BETWEEN 0 AND 500')
export class Observation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'observations_pkey' })
  id!: string;

  @Column({ name: 'station_id', type: 'uuid' })
  @ForeignKey(() => Station, { name: 'observations_station_id_fkey', onDelete: 'CASCADE' })
  stationId!: string;

  @Column({ name: 'observed_at', type: 'timestamptz', precision: 3 })
  observedAt!: Date;

  @Column({ name: 'temperature_c', type: 'double precision' })
  temperatureC!: number;

  @Column({ name: 'relative_humidity', type: 'double precision', nullable: true })
  relativeHumidity!: number | null;

  @Column({ name: 'pressure_hpa', type: 'double precision', nullable: true })
  pressureHpa!: number | null;

  @Column({ name: 'wind_speed_ms', type: 'double precision', nullable: true })
  windSpeedMs!: number | null;

  @Column({ name: 'wind_direction_deg', type: 'double precision', nullable: true })
  windDirectionDeg!: number | null;

  @Column({ name: 'precipitation_mm', type: 'double precision', nullable: true })
  precipitationMm!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An observation as the hot paths read it: a plain row, without the bookkeeping no response shows. */
export type ObservationRow = Omit<Observation, 'createdAt'>;

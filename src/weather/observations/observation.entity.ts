import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'observations' })
export class Observation {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'station_id', type: 'uuid' })
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

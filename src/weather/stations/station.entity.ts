import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../../users/user.entity';

// Constraint and index names match migrations/, the source of truth.
@Entity({ name: 'stations' })
@Unique('stations_code_key', ['code'])
@Check('stations_code_format', `code ~ '^[A-Z0-9_-]{3,16}$'`)
@Check('stations_latitude_check', 'latitude BETWEEN -90 AND 90')
@Check('stations_longitude_check', 'longitude BETWEEN -180 AND 180')
@Check('stations_elevation_m_check', 'elevation_m BETWEEN -500 AND 9000')
@Index('stations_owner_id_idx', ['ownerId'])
@Index('stations_lat_lon_idx', ['latitude', 'longitude'])
export class Station {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'stations_pkey' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  code!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'double precision' })
  latitude!: number;

  @Column({ type: 'double precision' })
  longitude!: number;

  @Column({ name: 'elevation_m', type: 'double precision' })
  elevationM!: number;

  @Column({ type: 'varchar', length: 64 })
  timezone!: string;

  /** The operator who owns the station; null for stations created before ownership existed. */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  @ForeignKey(() => User, { name: 'stations_owner_fk' })
  ownerId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A station as the hot paths read it: the entity's fields as a plain row, not an instance. */
export type StationRow = Pick<Station, keyof Station>;

import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { User } from '../../users/user.entity';
import { Station } from '../../weather/stations/station.entity';
import type { ApiKeyScope } from '../authorization/principal';

// Constraint and index names match migrations/, the source of truth.
@Entity({ name: 'api_keys' })
@Unique('api_keys_key_id_key', ['keyId'])
@Check('api_keys_rate_limit_per_minute_check', 'rate_limit_per_minute > 0')
@Check(
  'api_keys_scopes_known',
  `scopes <@ ARRAY['stations:read', 'observations:read', 'observations:write']::text[]
   AND cardinality(scopes) > 0`,
)
@Index('api_keys_owner_idx', ['ownerId'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_keys_pkey' })
  id!: string;

  /** Public lookup id, the middle of `wxk_<keyId>_<secret>`. Safe to log. */
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId!: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @Column({ name: 'previous_secret_hash', type: 'bytea', nullable: true })
  previousSecretHash!: Buffer | null;

  @Column({ name: 'previous_expires_at', type: 'timestamptz', nullable: true })
  previousExpiresAt!: Date | null;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'api_keys_owner_id_fkey' })
  ownerId!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiKeyScope[];

  /** A key bound to a station goes with it. */
  @Column({ name: 'station_id', type: 'uuid', nullable: true })
  @ForeignKey(() => Station, { name: 'api_keys_station_id_fkey', onDelete: 'CASCADE' })
  stationId!: string | null;

  @Column({ name: 'rate_limit_per_minute', type: 'integer', nullable: true })
  rateLimitPerMinute!: number | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

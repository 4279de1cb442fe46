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
import type { ApiKeyScope } from '../authorization/principal';

// Constraint and index names match migrations/, the source of truth. The host's migration
// adds what is its own: the scope names it allows and what resource_id references.
@Entity({ name: 'api_keys' })
@Unique('api_keys_key_id_key', ['keyId'])
@Check('api_keys_rate_limit_per_minute_check', 'rate_limit_per_minute > 0')
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

  /**
   * The one host resource the key is bound to (ApiKeyBinding), or null. What it references,
   * and that a key goes with its resource, is the host's schema (migrations/).
   */
  @Column({ name: 'resource_id', type: 'uuid', nullable: true })
  resourceId!: string | null;

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

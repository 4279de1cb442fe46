import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../../users/user.entity';

// Constraint and index names match migrations/, the source of truth.
/** One login: the family of refresh tokens it rotates through, and its access tokens' `sid`. */
@Entity({ name: 'auth_sessions' })
// Partial: only live sessions are looked up by user.
@Index('auth_sessions_user_idx', ['userId'], { where: 'revoked_at IS NULL' })
export class AuthSession {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'auth_sessions_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'auth_sessions_user_id_fkey' })
  userId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;

  /** The last refresh (access tokens are not written back per request: see README). */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'client_ip', type: 'varchar', length: 45, nullable: true })
  clientIp!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 200, nullable: true })
  userAgent!: string | null;

  /** The last time this session proved a second factor; null: password only. */
  @Column({ name: 'mfa_at', type: 'timestamptz', nullable: true })
  mfaAt!: Date | null;
}

import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { AuthSession } from './auth-session.entity';

// Constraint names match migrations/, the source of truth.
@Entity({ name: 'refresh_tokens' })
@Unique('refresh_tokens_hash_key', ['tokenHash'])
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'refresh_tokens_pkey' })
  id!: string;

  @Column({ name: 'session_id', type: 'uuid' })
  @ForeignKey(() => AuthSession, { name: 'refresh_tokens_session_id_fkey' })
  sessionId!: string;

  /** SHA-256 of the token. A database leak does not hand out sessions. */
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Set when the token is exchanged; presenting it again is reuse, and ends the session. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

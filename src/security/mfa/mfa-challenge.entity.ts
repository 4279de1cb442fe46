import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { User } from '../../users/user.entity';

// Constraint names match migrations/, the source of truth.
/** Between a correct password and a code: the mfaToken's hash, single use, short-lived. */
@Entity({ name: 'mfa_challenges' })
@Unique('mfa_challenges_token_hash_key', ['tokenHash'])
export class MfaChallenge {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'mfa_challenges_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'mfa_challenges_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'client_ip', type: 'varchar', length: 45, nullable: true })
  clientIp!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 200, nullable: true })
  userAgent!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
